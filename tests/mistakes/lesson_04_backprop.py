"""Lesson 04: mistakes students make with gradients and autograd, and right answers in other styles.

The `Value` entries are whole classes. They start from one correct class written
for this catalogue (itself checked as a correct variant) and change one thing,
so each entry's difference from it is exactly the mistake named.
"""

import dataclasses
import textwrap

from . import Correct, Mistake

LESSON = "04-backprop"

# A correct Value, written a little differently from the reference solution.
VALUE = textwrap.dedent('''
    class Value:
        def __init__(self, data, _children=(), _op="", label=""):
            self.data = float(data)
            self.grad = 0.0
            self._backward = lambda: None
            self._prev = tuple(_children)
            self._op = _op
            self.label = label

        def __repr__(self):
            return f"Value(data={self.data:.4g}, grad={self.grad:.4g})"

        @staticmethod
        def wrap(x):
            return x if isinstance(x, Value) else Value(x)

        def __add__(self, other):
            other = Value.wrap(other)
            out = Value(self.data + other.data, (self, other), "+")
            def _backward():
                self.grad += out.grad
                other.grad += out.grad
            out._backward = _backward
            return out

        def __mul__(self, other):
            other = Value.wrap(other)
            out = Value(self.data * other.data, (self, other), "*")
            def _backward():
                self.grad += other.data * out.grad
                other.grad += self.data * out.grad
            out._backward = _backward
            return out

        def __pow__(self, k):
            out = Value(self.data ** k, (self,), f"**{k}")
            def _backward():
                self.grad += k * self.data ** (k - 1) * out.grad
            out._backward = _backward
            return out

        def tanh(self):
            t = math.tanh(self.data)
            out = Value(t, (self,), "tanh")
            def _backward():
                self.grad += (1 - t * t) * out.grad
            out._backward = _backward
            return out

        def relu(self):
            out = Value(self.data if self.data > 0 else 0.0, (self,), "relu")
            def _backward():
                self.grad += (self.data > 0) * out.grad
            out._backward = _backward
            return out

        def exp(self):
            e = math.exp(self.data)
            out = Value(e, (self,), "exp")
            def _backward():
                self.grad += e * out.grad
            out._backward = _backward
            return out

        def __neg__(self):
            return self * -1.0

        def __radd__(self, other):
            return self + other

        def __sub__(self, other):
            return self + (-other)

        def __rsub__(self, other):
            return (-self) + other

        def __rmul__(self, other):
            return self * other

        def __truediv__(self, other):
            return self * Value.wrap(other) ** -1

        def __rtruediv__(self, other):
            return Value.wrap(other) * self ** -1

        def topological_order(self):
            order, seen, todo = [], set(), [(self, iter(self._prev))]
            seen.add(id(self))
            while todo:
                v, children = todo[-1]
                child = next(children, None)
                if child is None:
                    todo.pop()
                    order.append(v)
                elif id(child) not in seen:
                    seen.add(id(child))
                    todo.append((child, iter(child._prev)))
            return order

        def backward(self):
            order = self.topological_order()
            self.grad = 1.0
            for v in reversed(order):
                v._backward()
''')


def value_with(*edits):
    """VALUE with each (old, new) edit made.

    Lines are matched by their text without indentation, so edits can be written at any
    indentation; the new lines keep their relative indentation, placed where the old ones were.
    `old` must match exactly one place.
    """
    lines = VALUE.split("\n")
    for old, new in edits:
        old_lines = textwrap.dedent(old).strip("\n").split("\n")
        new_lines = textwrap.dedent(new).strip("\n").split("\n") if new.strip() else []
        width = len(old_lines)
        hits = [i for i in range(len(lines) - width + 1)
                if all(lines[i + k].strip() == old_lines[k].strip() for k in range(width))]
        assert len(hits) == 1, f"catalogue edit matches {len(hits)} places, not one: {old_lines}"
        i = hits[0]
        base = len(lines[i]) - len(lines[i].lstrip()) - (len(old_lines[0]) - len(old_lines[0].lstrip()))
        lines[i:i + width] = [" " * base + line if line.strip() else "" for line in new_lines]
    return "\n".join(lines)


def indent(block, spaces):
    return textwrap.indent(textwrap.dedent(block).strip("\n"), " " * spaces)


def value_method(name, new_body, value=VALUE):
    """`value` (VALUE unless given) with method `name` replaced by new_body (a whole def, written at column 0)."""
    start = value.index(f"    def {name}(")
    end = value.find("\n    def ", start + 1)
    end = len(value) if end < 0 else end + 1
    return value[:start] + indent(new_body, 4) + "\n" + value[end:]


MISTAKES = [
    # numerical_gradient
    Mistake("numerical_gradient", "forward difference instead of centred", """
        def numerical_gradient(f, x, h=1e-5):
            grad = np.zeros(x.shape)
            fx = f(x)
            for idx in np.ndindex(x.shape):
                old = x[idx]
                x[idx] = old + h
                grad[idx] = (f(x) - fx) / h
                x[idx] = old
            return grad
    """, hint="Your estimate is off by an amount that grows with h: do you take one step on each side of x, or compare x with one step to the right?"),
    Mistake("numerical_gradient", "divides by h instead of 2h", """
        def numerical_gradient(f, x, h=1e-5):
            grad = np.zeros(x.shape)
            for idx in np.ndindex(x.shape):
                old = x[idx]
                x[idx] = old + h
                fp = f(x)
                x[idx] = old - h
                fm = f(x)
                x[idx] = old
                grad[idx] = (fp - fm) / h
            return grad
    """, hint="Your slopes come out twice as steep as they are: how far apart are the two points where you evaluate f?"),
    Mistake("numerical_gradient", "restores x by adding and subtracting h (last digits drift)", """
        def numerical_gradient(f, x, h=1e-5):
            grad = np.zeros(x.shape)
            for idx in np.ndindex(x.shape):
                x[idx] += h
                fp = f(x)
                x[idx] -= 2 * h
                fm = f(x)
                x[idx] += h
                grad[idx] = (fp - fm) / (2 * h)
            return grad
    """, cells=("test_numerical_gradient_edge",), hint="Afterwards x is not bit for bit what it was: adding h and taking it away again can change the last digits. What could you put back instead?"),
    Mistake("numerical_gradient", "never puts the old value back", """
        def numerical_gradient(f, x, h=1e-5):
            grad = np.zeros(x.shape)
            for idx in np.ndindex(x.shape):
                old = x[idx]
                x[idx] = old + h
                fp = f(x)
                x[idx] = old - h
                fm = f(x)
                grad[idx] = (fp - fm) / (2 * h)
            return grad
    """, hint="Afterwards x holds changed entries, and the later slopes are measured at a shifted point: is each entry set back once its two evaluations are done?"),
    Mistake("numerical_gradient", "nudges copies, so f reading x through a closure sees nothing", """
        def numerical_gradient(f, x, h=1e-5):
            grad = np.zeros(x.shape)
            for idx in np.ndindex(x.shape):
                xp, xm = x.copy(), x.copy()
                xp[idx] += h
                xm[idx] -= h
                grad[idx] = (f(xp) - f(xm)) / (2 * h)
            return grad
    """, cells=("test_numerical_gradient_edge",), hint="When f reads x itself instead of its argument, your gradient comes out zero: do you nudge the entries of x, or of a copy of it?"),
    Mistake("numerical_gradient", "loops over range(len(x)): nudges whole rows of a matrix", """
        def numerical_gradient(f, x, h=1e-5):
            grad = np.zeros(x.shape)
            for i in range(len(x)):
                old = x[i].copy()
                x[i] = old + h
                fp = f(x)
                x[i] = old - h
                fm = f(x)
                x[i] = old
                grad[i] = (fp - fm) / (2 * h)
            return grad
    """, hint="For a matrix x your slopes are wrong: does each pass of your loop nudge a single entry, or a whole row at once?"),
    Mistake("numerical_gradient", "ignores the h that is passed in", """
        def numerical_gradient(f, x, h=1e-5):
            step = 1e-5
            grad = np.zeros(x.shape)
            for idx in np.ndindex(x.shape):
                old = x[idx]
                x[idx] = old + step
                fp = f(x)
                x[idx] = old - step
                fm = f(x)
                x[idx] = old
                grad[idx] = (fp - fm) / (2 * step)
            return grad
    """, hint="Your estimate stays the same whatever h is passed: is the step you take the one given as an argument?"),
    # relative_error
    Mistake("relative_error", "a + b below the line instead of |a| + |b|", """
        def relative_error(a, b):
            a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
            return float(np.max(np.abs(a - b) / np.maximum(1e-8, a + b)))
    """, hint="Where a and b have opposite signs your error explodes: may the sizes below the line cancel each other?"),
    Mistake("relative_error", "the mean over entries instead of the worst", """
        def relative_error(a, b):
            a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
            return float(np.mean(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))
    """, hint="Your error is smaller than that of the worst entry: is one bad entry averaged away with the good ones?"),
    Mistake("relative_error", "norms of the whole arrays (CS231n's other formula)", """
        def relative_error(a, b):
            a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
            return float(np.linalg.norm(a - b) / max(1e-8, np.linalg.norm(a) + np.linalg.norm(b)))
    """, hint="Your error measures the arrays as wholes: the lesson's formula compares them entry by entry and keeps the worst entry."),
    Mistake("relative_error", "no floor: two zeros give nan", """
        def relative_error(a, b):
            a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
            return float(np.max(np.abs(a - b) / (np.abs(a) + np.abs(b))))
    """, hint="Two arrays of zeros give nan: what is below the line when both entries are 0?"),
    Mistake("relative_error", "max(|a|, |b|) below the line", """
        def relative_error(a, b):
            a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
            return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.maximum(np.abs(a), np.abs(b)))))
    """, hint="Your errors are larger than the formula's: what is below the line, the larger of the two sizes or their sum?"),
    Mistake("relative_error", "relative to a only", """
        def relative_error(a, b):
            a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
            return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a))))
    """, hint="Swapping a and b changes your answer: does the size below the line treat a and b alike?"),
    Mistake("relative_error", "returns the array of errors, not the worst one", """
        def relative_error(a, b):
            a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
            return np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))
    """, hint="You return one error per entry: the function gives a single number, that of the worst entry."),
    # neuron_forward_backward
    Mistake("neuron_forward_backward", "scales x in place to get dw", cells=("test_neuron_forward_backward_edge",), code="""
        def neuron_forward_backward(x, w, b, y):
            z = np.dot(x, w) + b
            a = 1.0 / (1.0 + np.exp(-z))
            dz = (a - y) * a * (1.0 - a)
            x *= dz
            return float(0.5 * (a - y) ** 2), x, float(dz)
    """, hint="After your call x holds other numbers: does computing dw change the input array?"),
    Mistake("neuron_forward_backward", "forgets the sigmoid's slope", """
        def neuron_forward_backward(x, w, b, y):
            a = 1 / (1 + np.exp(-(x @ w + b)))
            dz = a - y
            return 0.5 * (a - y) ** 2, dz * x, dz
    """, hint="Your gradients miss one factor of the chain rule: how much does a change when z changes?"),
    Mistake("neuron_forward_backward", "sigmoid slope taken at a instead of z", """
        def neuron_forward_backward(x, w, b, y):
            sig = lambda t: 1 / (1 + np.exp(-t))
            a = sig(x @ w + b)
            dz = (a - y) * sig(a) * (1 - sig(a))
            return 0.5 * (a - y) ** 2, dz * x, dz
    """, hint="Your sigmoid slope is taken at the wrong point: a * (1 - a) is already the slope at z; is the sigmoid applied once too often?"),
    Mistake("neuron_forward_backward", "gradient with the wrong sign (y - a)", """
        def neuron_forward_backward(x, w, b, y):
            a = 1 / (1 + np.exp(-(x @ w + b)))
            dz = (y - a) * a * (1 - a)
            return 0.5 * (a - y) ** 2, dz * x, dz
    """, hint="Your gradients point the wrong way: check the sign of dL/da for L = 0.5 (a - y)²."),
    Mistake("neuron_forward_backward", "dw uses the weights instead of the inputs", """
        def neuron_forward_backward(x, w, b, y):
            a = 1 / (1 + np.exp(-(x @ w + b)))
            dz = (a - y) * a * (1 - a)
            return 0.5 * (a - y) ** 2, dz * w, dz
    """, hint="Your dw is wrong while db is right: by how much does z = w·x + b change when one weight w_i changes?"),
    Mistake("neuron_forward_backward", "loss without the 1/2 (gradients doubled to match)", """
        def neuron_forward_backward(x, w, b, y):
            a = 1 / (1 + np.exp(-(x @ w + b)))
            dz = 2 * (a - y) * a * (1 - a)
            return (a - y) ** 2, dz * x, dz
    """, hint="Your loss and gradients are twice the lesson's: check the factor in front of (a - y)²."),
    Mistake("neuron_forward_backward", "db summed like dw", """
        def neuron_forward_backward(x, w, b, y):
            a = 1 / (1 + np.exp(-(x @ w + b)))
            dz = (a - y) * a * (1 - a)
            return 0.5 * (a - y) ** 2, dz * x, np.sum(dz * x)
    """, hint="Your db is wrong while dw is right: by how much does z change when b changes by 1?"),
    Mistake("neuron_forward_backward", "x as a row matrix: dw comes out (1, d)", """
        def neuron_forward_backward(x, w, b, y):
            x = np.reshape(x, (1, -1))
            a = 1 / (1 + np.exp(-(x @ w + b)))
            dz = (a - y) * a * (1 - a)
            return float(0.5 * (a - y) ** 2), dz * x, float(dz)
    """, hint="Your dw has shape (1, d): it must have the shape of w, (d,)."),
    # Value
    Mistake("Value", "gradients overwritten (=) instead of accumulated (+=)", value_with(
        ("""
                def _backward():
                    self.grad += other.data * out.grad
                    other.grad += self.data * out.grad
        """, """
                def _backward():
                    self.grad = other.data * out.grad
                    other.grad = self.data * out.grad
        """)), hint="A value used more than once keeps only one share of its gradient: do your backward rules add to .grad or replace it?"),
    Mistake("Value", "topological order not reversed: inputs first", value_with(
        ("            for v in reversed(order):", "            for v in order:")),
        cells=("test_Value_graphs", "test_Value_operations", "test_Value"), hint="Gradients come out 0 or wrong: in which order does backward() visit the values, from the output down or from the inputs up?"),
    Mistake("Value", "no topological sort: recursion down from the output", value_method("backward", """
        def backward(self):
            self.grad = 1.0
            def send(v):
                v._backward()
                for child in v._prev:
                    send(child)
            send(self)
    """), cells=("test_Value_graphs", "test_Value"), hint="Long chains fail, and a value reached along two paths gets a wrong gradient: is each _backward called exactly once, after every value that uses it?"),
    Mistake("Value", "breadth-first order from the output instead of topological", value_method("backward", """
        def backward(self):
            self.grad = 1.0
            queue, seen = [self], {id(self)}
            while queue:
                v = queue.pop(0)
                v._backward()
                for child in v._prev:
                    if id(child) not in seen:
                        seen.add(id(child))
                        queue.append(child)
    """), cells=("test_Value_graphs", "test_Value"), hint="Where one path to a value is longer than another, gradients go wrong: is a value's _backward called only after every value that uses it has passed its gradient back?"),
    Mistake("Value", "forgets to start with grad = 1 at the output", value_with(
        ("            self.grad = 1.0\n            for v in reversed(order):", "            for v in reversed(order):")),
        cells=("test_Value_graphs", "test_Value_operations", "test_Value"), hint="Every gradient comes out 0: what is d(output)/d(output), and where does backward() set it?"),
    Mistake("Value", "__rmul__ missing: 2 * x fails", value_with(
        ("""
            def __rmul__(self, other):
                return self * other
        """, "")), hint="A number times a Value (3 * x) fails: which method does Python ask the Value for when the number comes first?"),
    Mistake("Value", "__radd__ missing: 1 + x fails", value_with(
        ("""
            def __radd__(self, other):
                return self + other
        """, "")), hint="A number plus a Value (1.5 + x) fails: which method does Python ask the Value for when the number comes first?"),
    Mistake("Value", "__rsub__ computes self - other", value_with(
        ("                return (-self) + other", "                return self - other")), hint="2 - x gives x - 2: in other - self, which one is taken away from which?"),
    Mistake("Value", "__rtruediv__ computes self / other", value_with(
        ("                return Value.wrap(other) * self ** -1", "                return self * Value.wrap(other) ** -1")), hint="4 / x gives x / 4: in other / self, which one is divided by which?"),
    Mistake("Value", "negation makes a new leaf, cutting the graph", value_with(
        ("                return self * -1.0", "                return Value(-self.data)")), hint="-x sends no gradient back to x: is the negated value still connected to x in the graph?"),
    Mistake("Value", "power rule k * x**k", value_with(
        ("                self.grad += k * self.data ** (k - 1) * out.grad", "                self.grad += k * self.data ** k * out.grad")), hint="x ** k has the wrong slope: which power of x does the power rule leave?"),
    Mistake("Value", "tanh slope uses the input instead of the output", value_with(
        ("                self.grad += (1 - t * t) * out.grad", "                self.grad += (1 - self.data ** 2) * out.grad")), hint="tanh's slope is wrong: the slope 1 - t² is written with the output t = tanh(x), not with x."),
    Mistake("Value", "tanh from exponentials: overflows for large inputs", value_with(
        ("            t = math.tanh(self.data)", "            t = (math.exp(2 * self.data) - 1) / (math.exp(2 * self.data) + 1)")), hint="tanh of a large input overflows: is it computed from exponentials, which become too large for a float long before tanh stops at 1?"),
    Mistake("Value", "relu slope 1 at 0", value_with(
        ("                self.grad += (self.data > 0) * out.grad", "                self.grad += (self.data >= 0) * out.grad")), hint="relu exactly at 0 sends a gradient back: in this course its slope there is 0 (only values above 0 pass)."),
    Mistake("Value", "exp slope uses the input", value_with(
        ("                self.grad += e * out.grad", "                self.grad += self.data * out.grad")), hint="exp sends back the wrong slope: what is the derivative of e^x?"),
    Mistake("Value", "multiplication sends each input its own value", value_with(
        ("""
                    self.grad += other.data * out.grad
                    other.grad += self.data * out.grad
        """, """
                    self.grad += self.data * out.grad
                    other.grad += other.data * out.grad
        """)), hint="In a * b each input receives its own value as its slope: what does d(a*b)/da leave over?"),
    Mistake("Value", "addition changes self in place and returns it", value_method("__add__", """
        def __add__(self, other):
            other = Value.wrap(other)
            self.data += other.data
            return self
    """), hint="x + 1.25 changes x and hands back x itself: an operation makes a new Value and leaves its inputs alone."),
    Mistake("Value", "division with its own backward rule, wrong sign for the divisor", value_method("__truediv__", """
        def __truediv__(self, other):
            other = Value.wrap(other)
            out = Value(self.data / other.data, (self, other), "/")
            def _backward():
                self.grad += out.grad / other.data
                other.grad += self.data / other.data ** 2 * out.grad
            out._backward = _backward
            return out
    """), hint="a / b sends b a gradient of the wrong sign: what is the derivative of a / b with respect to b?"),
    Mistake("Value", "topological sort without a visited set: shared nodes listed twice", value_method("topological_order", """
        def topological_order(self):
            order, todo = [], [(self, False)]
            while todo:
                v, done = todo.pop()
                if done:
                    order.append(v)
                else:
                    todo.append((v, True))
                    todo.extend((child, False) for child in v._prev)
            return order
    """), cells=("test_Value_topo", "test_Value_graphs", "test_Value"), hint="A value reached along two paths is listed twice, and gets its gradient twice: does your sort remember what it has already listed?"),
    Mistake("Value", "recursive topological order: a chain of 5,000 exceeds the recursion limit", value_method(
        "topological_order", """
        def topological_order(self):
            order, seen = [], set()
            def visit(v):
                if id(v) not in seen:
                    seen.add(id(v))
                    for child in v._prev:
                        visit(child)
                    order.append(v)
            visit(self)
            return order
    """), cells=("test_Value_topo", "test_Value_graphs"), hint="A chain of thousands of operations exceeds Python's recursion limit: could your sort keep its own stack in a loop?"),
    Mistake("Value", "topological order with each value before its children (pre-order)", value_method(
        "topological_order", """
        def topological_order(self):
            order, seen, todo = [], set(), [self]
            while todo:
                v = todo.pop()
                if id(v) not in seen:
                    seen.add(id(v))
                    order.append(v)
                    todo.extend(v._prev)
            return order
    """), cells=("test_Value_topo", "test_Value_graphs", "test_Value_operations", "test_Value"), hint="Your topological order lists values before the values they were made from: is a value appended before or after its children?"),
    Mistake("Value", "topological order leaves out the value itself", value_with(
        ("""
                if child is None:
                    todo.pop()
                    order.append(v)
        """, """
                if child is None:
                    todo.pop()
                    if v is not self:
                        order.append(v)
        """)), cells=("test_Value_topo", "test_Value_graphs", "test_Value_operations", "test_Value"), hint="Your topological order leaves out the value it is called on, so backward() never starts there: where in the list does that value belong?"),
]

# The checkpoint cells each Value mistake above must fail, where the entry does not say: a slip in
# part 1 (multiplication) fails checkpoint 1 and a slip in part 4 (the other operations) fails
# checkpoint 4, as well as the whole-expression cell.
_CHECKPOINTS = {
    "gradients overwritten (=) instead of accumulated (+=)": ("test_Value_mul", "test_Value_graphs", "test_Value"),
    "multiplication sends each input its own value": ("test_Value_mul", "test_Value_graphs", "test_Value_operations",
                                                      "test_Value"),
    "addition changes self in place and returns it": ("test_Value_topo", "test_Value_graphs", "test_Value_operations",
                                                      "test_Value"),
}
MISTAKES = [
    m if m.function != "Value" or m.cells
    else dataclasses.replace(m, cells=_CHECKPOINTS.get(m.why, ("test_Value_operations", "test_Value")))
    for m in MISTAKES
]

CORRECT = [
    Correct("numerical_gradient", "flat view (np.nditer-free), in-place on x", """
        def numerical_gradient(f, x, h=1e-5):
            flat = x.reshape(-1)  # a view: writing into it changes x
            grad = np.empty(flat.size)
            for i in range(flat.size):
                keep = flat[i]
                flat[i] = keep + h
                up = f(x)
                flat[i] = keep - h
                down = f(x)
                flat[i] = keep
                grad[i] = (up - down) / (2 * h)
            return grad.reshape(x.shape)
    """),
    Correct("numerical_gradient", "np.nditer with multi_index", """
        def numerical_gradient(f, x, h=1e-5):
            grad = np.zeros_like(x, dtype=float)
            it = np.nditer(x, flags=["multi_index"])
            while not it.finished:
                i = it.multi_index
                old = float(x[i])
                x[i] = old + h
                fxph = f(x)
                x[i] = old - h
                fxmh = f(x)
                x[i] = old
                grad[i] = (fxph - fxmh) / (2 * h)
                it.iternext()
            return grad
    """),
    Correct("relative_error", "written with Python's max and explicit abs", """
        def relative_error(a, b):
            diff = np.abs(np.subtract(a, b))
            size = np.abs(a) + np.abs(b)
            return np.max(diff / np.where(size > 1e-8, size, 1e-8))
    """),
    Correct("neuron_forward_backward", "stable sigmoid, named intermediate gradients", """
        def neuron_forward_backward(x, w, b, y):
            z = float(np.dot(w, x) + b)
            a = 1 / (1 + np.exp(-z)) if z >= 0 else np.exp(z) / (1 + np.exp(z))
            loss = 0.5 * (a - y) ** 2
            dL_da = a - y
            da_dz = a * (1 - a)
            dL_dz = dL_da * da_dz
            return loss, dL_dz * np.array(x, dtype=float), dL_dz
    """),
    Correct("Value", "the catalogue's own class (id-based visited set, iterators on a stack, wrap helper)", VALUE),
    Correct("Value", "micrograd style: set of children, data kept as given, iterative topological sort",
            value_method("topological_order", """
        def topological_order(self):
            order, seen, stack = [], set(), [(self, False)]
            while stack:
                v, done = stack.pop()
                if done:
                    order.append(v)
                elif v not in seen:
                    seen.add(v)
                    stack.append((v, True))
                    stack.extend((c, False) for c in v._prev if c not in seen)
            return order
    """, value=value_with(
                ("            self.data = float(data)", "            self.data = data"),
                ("            self._prev = tuple(_children)", "            self._prev = set(_children)")))),
    Correct("Value", "Kahn's algorithm: count each value's users, place a value once all of them are placed",
            value_method("topological_order", """
        def topological_order(self):
            users, found, todo = {id(self): 0}, [self], [self]
            while todo:
                v = todo.pop()
                for child in v._prev:
                    if id(child) not in users:
                        users[id(child)] = 0
                        found.append(child)
                        todo.append(child)
                    users[id(child)] += 1
            ready, backwards = [self], []
            while ready:
                v = ready.pop()
                backwards.append(v)
                for child in v._prev:
                    users[id(child)] -= 1
                    if users[id(child)] == 0:
                        ready.append(child)
            return backwards[::-1]
    """)),
    Correct("Value", "subtraction, division and negation with their own backward rules", value_with(
        ("""
            def __neg__(self):
                return self * -1.0
        """, """
            def __neg__(self):
                out = Value(-self.data, (self,), "neg")
                def _backward():
                    self.grad -= out.grad
                out._backward = _backward
                return out
        """),
        ("""
            def __truediv__(self, other):
                return self * Value.wrap(other) ** -1
        """, """
            def __truediv__(self, other):
                other = Value.wrap(other)
                out = Value(self.data / other.data, (self, other), "/")
                def _backward():
                    self.grad += out.grad / other.data
                    other.grad -= self.data / other.data ** 2 * out.grad
                out._backward = _backward
                return out
        """),
        ("""
            def __rsub__(self, other):
                return (-self) + other
        """, """
            def __rsub__(self, other):
                return Value.wrap(other) - self
        """))),
]

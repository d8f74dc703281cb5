# Lets `jupyter lab` (Formgrader, Validate, Assignment List) and `nbgrader`
# started in the repository root find the course in autograde/.
load_subconfig("autograde/nbgrader_config.py")

# A user's own sitecustomize, for r_user_sitecustomize.py: it must still run under ipcviz.
MARK = "the user's sitecustomize ran"

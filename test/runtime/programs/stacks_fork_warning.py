"""os.fork() in a process whose only extra thread is the runtime's helper: no warning (3.12+).

Run with -W default: Python 3.12+ warns when a multi-threaded process forks. The sleep sends the
runtime's first events (so its helper thread is running) before the fork.
"""
import os
import time

time.sleep(0.1)
pid = os.fork()
if pid == 0:
    os._exit(0)
os.waitpid(pid, 0)
print("forked and reaped")

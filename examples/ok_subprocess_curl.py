"""Healthy: a child fetches two slow pages with `curl` (subprocess.run) from a server outside the program.

Each page takes 3 s to come. Meanwhile nothing is recorded: the child waits in subprocess.run
for curl (reading its output, then waiting for it to end), and curl waits on its socket for the
server. Someone outside the run ends that wait: it is no hang, and ipcviz lets the run go on
(it says once that the child is waiting on curl, which waits on a socket outside the run).

The server stands in for a site on the internet: a separate Python program (`-I`: isolated from
this program's environment, so it is no part of the run) serving slow pages on 127.0.0.1. Needs
curl (or wget); without either, nothing is fetched.
"""
import multiprocessing as mp
import shutil
import subprocess
import sys

SERVER = r"""
import http.server, sys, time

class Slow(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        time.sleep(3)  # a slow site
        body = ("page %s\n" % self.path).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass

server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Slow)
print(server.server_address[1], flush=True)
server.serve_forever()
"""


def command(url):
    if shutil.which("curl"):
        return ["curl", "-s", "-f", url]
    return ["wget", "-q", "-O", "-", url]


def fetch(base):
    # Reading the command's output (communicate): the child polls curl's pipes.
    page = subprocess.run(command(base + "/first"), capture_output=True, check=True).stdout
    print("fetched", page.decode().strip(), flush=True)
    # Waiting for the command to end (wait4), its output going elsewhere.
    done = subprocess.run(command(base + "/second"), stdout=subprocess.DEVNULL, check=True)
    print("fetched the second page: exit code", done.returncode, flush=True)


if __name__ == "__main__":
    if not (shutil.which("curl") or shutil.which("wget")):
        print("no curl or wget: nothing fetched")
        sys.exit(0)
    server = subprocess.Popen([sys.executable, "-I", "-c", SERVER], stdout=subprocess.PIPE, text=True)
    try:
        port = int(server.stdout.readline())
        p = mp.Process(target=fetch, args=("http://127.0.0.1:%d" % port,))
        p.start()
        p.join()
        print("child exit code", p.exitcode)
    finally:
        server.terminate()
        server.wait()
        server.stdout.close()

"""Healthy: an HTTP server thread answers a client process of the same run, one page slowly.

Main serves HTTP from a thread (`serve_forever`, which wakes every 0.5 s to check for a
shutdown), starts a client process and waits for it. The client fetches a slow page (its
handler takes 3 s) and then a quick one, and exits; main then stops the server. For those
3 s nothing is recorded, yet nothing is stuck: the handler sleeps, the server loop waits on a
timer, the client waits for an answer that is coming. ipcviz reports no hang.
"""
import http.server
import multiprocessing as mp
import threading
import time
import urllib.request


class Pages(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/slow":
            time.sleep(3)  # a slow page: the handler works (here: waits on a timer)
        body = ("page %s\n" % self.path).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass  # quiet


def client(port):
    for path in ("/slow", "/"):
        with urllib.request.urlopen("http://127.0.0.1:%d%s" % (port, path)) as r:
            print("client got", r.read().decode().strip(), flush=True)


if __name__ == "__main__":
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Pages)
    serving = threading.Thread(target=server.serve_forever, name="http-server")
    serving.start()
    p = mp.Process(target=client, args=(server.server_address[1],))
    p.start()
    p.join()
    server.shutdown()
    serving.join()
    server.server_close()
    print("server stopped; client exit code", p.exitcode)

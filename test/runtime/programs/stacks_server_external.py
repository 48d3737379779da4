"""Healthy: a server that waits for a client from outside the run (the test is that client).

Main prints its port, then accepts connections on a listening socket and hands every line it
receives to a worker process over a Queue (the worker waits in Queue.get). While no client
comes nothing is recorded: main waits on a listening socket, which someone outside the run can
end, so it is not a hang. The line "quit" ends the program. With the argument `http`, main
serves HTTP instead (`serve_forever`, a timer wait): GET /<line> hands the line over, GET /quit
ends it.
"""
import http.server
import multiprocessing as mp
import socket
import sys
import threading


def worker(q):
    while True:
        line = q.get()
        if line is None:
            break
        print("worker got", line, flush=True)


def serve_socket(q):
    srv = socket.create_server(("127.0.0.1", 0))
    print("listening on", srv.getsockname()[1], flush=True)
    done = False
    while not done:
        conn, _ = srv.accept()  # waits for a client from outside the run
        with conn, conn.makefile("r") as f:
            for line in f:
                line = line.strip()
                if line == "quit":
                    done = True
                    break
                q.put(line)
    srv.close()


def serve_http(q):
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            line = self.path.lstrip("/")
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()
            if line == "quit":
                threading.Thread(target=server.shutdown).start()
            else:
                q.put(line)

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    print("listening on", server.server_address[1], flush=True)
    server.serve_forever()  # waits for a client from outside the run, waking every 0.5 s
    server.server_close()


if __name__ == "__main__":
    q = mp.Queue()
    p = mp.Process(target=worker, args=(q,))
    p.start()
    if sys.argv[1:] == ["http"]:
        serve_http(q)
    else:
        serve_socket(q)
    q.put(None)
    p.join()
    print("done")

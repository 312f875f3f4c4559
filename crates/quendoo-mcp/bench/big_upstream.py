"""An upstream for the operations benchmark: every GET is answered with a
PMS envelope of about SIZE bytes (argv[2]), with its Content-Length."""
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

port, size = int(sys.argv[1]), int(sys.argv[2])
item = b'{"booking_id":1,"guest":"' + b"x" * 200 + b'"},'
body = b'{"data":[' + item * max(1, size // len(item))
body = body[:-1] + b"]}"


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server refused the answer unread: what is measured

    def log_message(self, *args):
        pass


ThreadingHTTPServer.daemon_threads = True
ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()

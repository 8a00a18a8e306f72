"""What the scripts that start `bando serve` processes share: a free port, stopping every process
they started, failing with the end of the servers' logs, and the tile that holds a position."""
import math, os, signal, socket, subprocess, sys

PROCS = []


def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close(); return port


def stop_all():
    for p in PROCS:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    for p in PROCS:
        try:
            p.wait(timeout=20)
        except subprocess.TimeoutExpired:
            p.kill()


def fail(reason, work, logs):
    """Prints `reason` and the end of each log in `work`, stops the processes, exits 1."""
    print(reason, file=sys.stderr)
    for name in logs:
        path = os.path.join(work, name)
        if os.path.exists(path):
            with open(path, errors="replace") as f:
                print(f"--- {name} (end)\n" + f.read()[-3000:], file=sys.stderr)
    stop_all()
    sys.exit(1)


def tile_of(lon, lat, z):
    """The Web Mercator tile (z, x, y) holding a position."""
    n = 2 ** z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return z, x, y

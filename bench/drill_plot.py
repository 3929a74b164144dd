#!/usr/bin/python3
"""A line chart as a PNG for the failover drill, in pure Python (zlib only, no matplotlib): series
of (x, y) points, vertical markers with labels, axis ticks and a legend in a 5x7 bitmap font.

  line_chart(path, series=[(label, (r, g, b), [(x, y), ...])], markers=[(x, label, (r, g, b))],
             title="...", xlabel="...", ylabel="...")"""
import math
import struct
import zlib

W, H = 960, 440
LEFT, RIGHT, TOP, BOTTOM = 78, 20, 34, 58

# 5x7 glyphs: 7 rows of 5 pixels, top first ('#' = ink); text is drawn upper-case.
_GLYPHS = {
    '0': ".###.|#...#|#..##|#.#.#|##..#|#...#|.###.",
    '1': "..#..|.##..|..#..|..#..|..#..|..#..|.###.",
    '2': ".###.|#...#|....#|...#.|..#..|.#...|#####",
    '3': "#####|...#.|..#..|...#.|....#|#...#|.###.",
    '4': "...#.|..##.|.#.#.|#..#.|#####|...#.|...#.",
    '5': "#####|#....|####.|....#|....#|#...#|.###.",
    '6': "..##.|.#...|#....|####.|#...#|#...#|.###.",
    '7': "#####|....#|...#.|..#..|.#...|.#...|.#...",
    '8': ".###.|#...#|#...#|.###.|#...#|#...#|.###.",
    '9': ".###.|#...#|#...#|.####|....#|...#.|.##..",
    'A': ".###.|#...#|#...#|#####|#...#|#...#|#...#",
    'B': "####.|#...#|#...#|####.|#...#|#...#|####.",
    'C': ".###.|#...#|#....|#....|#....|#...#|.###.",
    'D': "####.|#...#|#...#|#...#|#...#|#...#|####.",
    'E': "#####|#....|#....|####.|#....|#....|#####",
    'F': "#####|#....|#....|####.|#....|#....|#....",
    'G': ".###.|#...#|#....|#.###|#...#|#...#|.####",
    'H': "#...#|#...#|#...#|#####|#...#|#...#|#...#",
    'I': ".###.|..#..|..#..|..#..|..#..|..#..|.###.",
    'J': "..###|...#.|...#.|...#.|...#.|#..#.|.##..",
    'K': "#...#|#..#.|#.#..|##...|#.#..|#..#.|#...#",
    'L': "#....|#....|#....|#....|#....|#....|#####",
    'M': "#...#|##.##|#.#.#|#.#.#|#...#|#...#|#...#",
    'N': "#...#|#...#|##..#|#.#.#|#..##|#...#|#...#",
    'O': ".###.|#...#|#...#|#...#|#...#|#...#|.###.",
    'P': "####.|#...#|#...#|####.|#....|#....|#....",
    'Q': ".###.|#...#|#...#|#...#|#.#.#|#..#.|.##.#",
    'R': "####.|#...#|#...#|####.|#.#..|#..#.|#...#",
    'S': ".####|#....|#....|.###.|....#|....#|####.",
    'T': "#####|..#..|..#..|..#..|..#..|..#..|..#..",
    'U': "#...#|#...#|#...#|#...#|#...#|#...#|.###.",
    'V': "#...#|#...#|#...#|#...#|#...#|.#.#.|..#..",
    'W': "#...#|#...#|#...#|#.#.#|#.#.#|#.#.#|.#.#.",
    'X': "#...#|#...#|.#.#.|..#..|.#.#.|#...#|#...#",
    'Y': "#...#|#...#|.#.#.|..#..|..#..|..#..|..#..",
    'Z': "#####|....#|...#.|..#..|.#...|#....|#####",
    ' ': ".....|.....|.....|.....|.....|.....|.....",
    '.': ".....|.....|.....|.....|.....|.##..|.##..",
    ',': ".....|.....|.....|.....|.##..|..#..|.#...",
    '-': ".....|.....|.....|#####|.....|.....|.....",
    '+': ".....|..#..|..#..|#####|..#..|..#..|.....",
    '/': "....#|....#|...#.|..#..|.#...|#....|#....",
    ':': ".....|.##..|.##..|.....|.##..|.##..|.....",
    '(': "...#.|..#..|.#...|.#...|.#...|..#..|...#.",
    ')': ".#...|..#..|...#.|...#.|...#.|..#..|.#...",
    '=': ".....|.....|#####|.....|#####|.....|.....",
    '%': "##...|##..#|...#.|..#..|.#...|#..##|...##",
    '_': ".....|.....|.....|.....|.....|.....|#####",
    "'": "..#..|..#..|.#...|.....|.....|.....|.....",
}


class Canvas:
    def __init__(self, w, h):
        self.w, self.h = w, h
        self.px = bytearray(b"\xff" * (w * h * 3))

    def dot(self, x, y, c):
        if 0 <= x < self.w and 0 <= y < self.h:
            i = (y * self.w + x) * 3
            self.px[i:i + 3] = bytes(c)

    def rect(self, x0, y0, x1, y1, c):
        for y in range(max(0, y0), min(self.h, y1 + 1)):
            for x in range(max(0, x0), min(self.w, x1 + 1)):
                self.dot(x, y, c)

    def line(self, x0, y0, x1, y1, c, width=1, dash=0):
        dx, dy = abs(x1 - x0), -abs(y1 - y0)
        sx, sy = (1 if x0 < x1 else -1), (1 if y0 < y1 else -1)
        err, n = dx + dy, 0
        while True:
            if not dash or (n // dash) % 2 == 0:
                for k in range(width):
                    self.dot(x0 + (k if dx < -dy else 0), y0 + (0 if dx < -dy else k), c)
            if x0 == x1 and y0 == y1:
                return
            n += 1
            e2 = 2 * err
            if e2 >= dy:
                err += dy
                x0 += sx
            if e2 <= dx:
                err += dx
                y0 += sy

    def text(self, x, y, s, c, scale=1):
        for ch in s.upper():
            g = _GLYPHS.get(ch, _GLYPHS[" "]).replace("|", "")
            for r in range(7):
                for col in range(5):
                    if g[r * 5 + col] == "#":
                        px, py = x + col * scale, y + r * scale
                        self.rect(px, py, px + scale - 1, py + scale - 1, c)
            x += 6 * scale

    def png(self, path):
        raw = b"".join(b"\x00" + bytes(self.px[y * self.w * 3:(y + 1) * self.w * 3]) for y in range(self.h))

        def chunk(kind, data):
            return struct.pack("!I", len(data)) + kind + data + struct.pack("!I", zlib.crc32(kind + data) & 0xFFFFFFFF)

        with open(path, "wb") as f:
            f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack("!IIBBBBB", self.w, self.h, 8, 2, 0, 0, 0)) +
                    chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b""))


def text_width(s, scale=1):
    return 6 * scale * len(s)


def nice_step(span, ticks=8):
    raw = span / max(1, ticks)
    mag = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1
    for m in (1, 2, 5, 10):
        if raw <= m * mag:
            return m * mag
    return 10 * mag


def fmt(v):
    return ("%d" % v) if abs(v - round(v)) < 1e-9 else ("%.1f" % v)


def axes(cv, x0, x1, y1, xlabel, ylabel):
    """Frame, grid and tick labels; returns the data-to-pixel mappings."""
    pl, pr, pt, pb = LEFT, W - RIGHT, TOP, H - BOTTOM
    grey, ink = (225, 225, 225), (40, 40, 40)
    X = lambda x: int(pl + (x - x0) / (x1 - x0) * (pr - pl))  # noqa: E731
    Y = lambda y: int(pb - y / y1 * (pb - pt))  # noqa: E731
    xs = nice_step(x1 - x0)
    t = math.ceil(x0 / xs) * xs
    while t <= x1 + 1e-9:
        cv.line(X(t), pt, X(t), pb, grey)
        cv.text(X(t) - text_width(fmt(t)) // 2, pb + 6, fmt(t), ink)
        t += xs
    ys = nice_step(y1, 6)
    t = 0.0
    while t <= y1 + 1e-9:
        cv.line(pl, Y(t), pr, Y(t), grey)
        cv.text(pl - 6 - text_width(fmt(t)), Y(t) - 3, fmt(t), ink)
        t += ys
    cv.line(pl, pb, pr, pb, ink)
    cv.line(pl, pt, pl, pb, ink)
    cv.text((pl + pr) // 2 - text_width(xlabel) // 2, pb + 22, xlabel, ink)
    cv.text(4, pt - 16, ylabel, ink)
    return X, Y


def line_chart(path, series, markers=(), title="", xlabel="", ylabel=""):
    cv = Canvas(W, H)
    pts = [p for _, _, s in series for p in s]
    if not pts:
        pts = [(0, 0), (1, 1)]
    x0, x1 = min(p[0] for p in pts), max(p[0] for p in pts)
    if x1 <= x0:
        x1 = x0 + 1
    y1 = max(1.0, max(p[1] for p in pts)) * 1.12
    X, Y = axes(cv, x0, x1, y1, xlabel, ylabel)
    for k, (x, label, c) in enumerate(markers):
        if x0 <= x <= x1:
            cv.line(X(x), TOP, X(x), H - BOTTOM, c, dash=4)
            cv.text(X(x) + 4, TOP + 4 + 11 * k, label, c)
    for _, c, s in series:
        for (ax, ay), (bx, by) in zip(s, s[1:]):
            cv.line(X(ax), Y(ay), X(bx), Y(by), c, width=2)
    lx = W - RIGHT - max(text_width(label) for label, _, _ in series) - 30 if series else 0
    for k, (label, c, _) in enumerate(series):
        y = TOP + 18 + 12 * k
        cv.rect(lx, y + 2, lx + 14, y + 4, c)
        cv.text(lx + 20, y, label, (40, 40, 40))
    cv.text(LEFT, 10, title, (0, 0, 0), scale=2 if text_width(title, 2) < W - LEFT - 10 else 1)
    cv.png(path)

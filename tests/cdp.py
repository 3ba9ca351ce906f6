"""A small Chrome DevTools Protocol client: headless Chromium from Debian's package, driven over a websocket.

Only what the desk's browser tests need: open a page, run JavaScript, wait
for a condition, take a screenshot. No browser download, no WebDriver.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
import json
import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import httpx
import tornado.websocket

START_TIMEOUT = 20  # seconds: Chromium's first start on a loaded 2-core machine
WINDOW = "430,1100"  # a phone-sized window, as a Mini App is seen


def chromium_path() -> str | None:
    """Debian's chromium, if installed."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


class Browser:
    """One headless Chromium process with one page."""

    def __init__(self, executable: str) -> None:
        self.executable = executable
        self.profile = tempfile.mkdtemp(prefix="wellbot-chromium-")
        self.process: subprocess.Popen[bytes] | None = None
        self.socket: tornado.websocket.WebSocketClientConnection | None = None
        self._ids = itertools.count(1)
        self._pending: dict[int, asyncio.Future[Any]] = {}
        self._reader: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Start Chromium with remote debugging on a free port and attach to its page."""
        self.process = subprocess.Popen(  # noqa: ASYNC220 (a long-lived child, stopped in close())
            [self.executable, "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
             "--no-first-run", "--no-default-browser-check", "--disable-extensions", "--hide-scrollbars",
             f"--window-size={WINDOW}", "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0",
             f"--user-data-dir={self.profile}", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        port = await self._debugging_port()
        async with httpx.AsyncClient() as client:
            pages = (await client.get(f"http://127.0.0.1:{port}/json/list")).json()
        url = next(p["webSocketDebuggerUrl"] for p in pages if p["type"] == "page")
        self.socket = await tornado.websocket.websocket_connect(url, max_message_size=64 * 1024 * 1024)
        self._reader = asyncio.create_task(self._read())
        await self.send("Page.enable")
        await self.send("Runtime.enable")

    async def _debugging_port(self) -> int:
        """The port Chromium chose, from the DevToolsActivePort file it writes."""
        file = Path(self.profile) / "DevToolsActivePort"
        loop = asyncio.get_running_loop()
        deadline = loop.time() + START_TIMEOUT
        while loop.time() < deadline:
            if file.is_file() and file.read_text().strip():
                return int(file.read_text().splitlines()[0])
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"chromium exited with {self.process.returncode}")
            await asyncio.sleep(0.05)
        raise TimeoutError("chromium did not open its debugging port")

    async def _read(self) -> None:
        """Resolve each command's future with its answer; events are ignored."""
        assert self.socket is not None
        while True:
            raw = await self.socket.read_message()
            if raw is None:
                for future in self._pending.values():
                    if not future.done():
                        future.set_exception(ConnectionError("chromium closed the connection"))
                return
            message = json.loads(raw)
            future = self._pending.pop(message.get("id", -1), None)
            if future is not None and not future.done():
                if "error" in message:
                    future.set_exception(RuntimeError(str(message["error"])))
                else:
                    future.set_result(message.get("result", {}))

    async def send(self, method: str, **params: Any) -> Any:
        """One DevTools command and its result."""
        assert self.socket is not None
        command_id = next(self._ids)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending[command_id] = future
        await self.socket.write_message(json.dumps({"id": command_id, "method": method, "params": params}))
        return await asyncio.wait_for(future, START_TIMEOUT)

    async def evaluate(self, expression: str) -> Any:
        """Run JavaScript in the page (promises awaited) and return its value."""
        result = await self.send("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"page script failed: {result['exceptionDetails'].get('text')}")
        return result["result"].get("value")

    async def open(self, url: str) -> None:
        """Navigate and wait for the page to load."""
        await self.send("Page.navigate", url=url)
        await self.wait_until("document.readyState === 'complete'")

    async def wait_until(self, condition: str, timeout: float = 10) -> None:
        """Poll a JavaScript condition until it is true."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not await self.evaluate(f"Boolean({condition})"):
            if loop.time() > deadline:
                raise TimeoutError(f"page never satisfied {condition!r}; body: {await self.text()!r}")
            await asyncio.sleep(0.05)

    async def text(self) -> str:
        """The page's visible text."""
        return await self.evaluate("document.body ? document.body.innerText : ''") or ""

    async def click(self, selector: str) -> None:
        """Click the first element matching a CSS selector (as a person's tap would)."""
        found = await self.evaluate(f"(() => {{ const el = document.querySelector({json.dumps(selector)});"
                                    " if (!el) return false; el.click(); return true; })()")
        if not found:
            raise LookupError(f"nothing matches {selector!r}")

    async def screenshot(self, path: Path) -> Path:
        """Save a PNG of the whole page."""
        shot = await self.send("Page.captureScreenshot", format="png", captureBeyondViewport=True)
        await asyncio.to_thread(_write, path, base64.b64decode(shot["data"]))
        return path

    async def close(self) -> None:
        """Stop Chromium and remove its profile."""
        if self.socket is not None:
            self.socket.close()
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._reader
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)  # its own session: the renderer children go too
            try:
                await asyncio.to_thread(self.process.wait, 10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
        shutil.rmtree(self.profile, ignore_errors=True)


def _write(path: Path, content: bytes) -> None:
    """Write a file, making its folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)

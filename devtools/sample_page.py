"""For the demo (`make run`) only: a sample "kommun page" on its own origin with the
one-line embed snippet, so the chat is seen as residents would meet it on the kommun's
website (a button that opens the chat in a dialog)."""

from __future__ import annotations

import html

from aiohttp import web

SAMPLE = """<!doctype html>
<html lang="sv">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Exempelkommun – Trygghet</title>
</head>
<body>
<header><p>Exempelkommun</p></header>
<main>
<h1>Trygghet i kommunen</h1>
<p>Här är en exempelsida, som kommunens egen webbplats. Knappen nedan kommer från en rad
i sidans HTML:</p>
<pre><code>{snippet}</code></pre>
{embed}
<p>Eller en vanlig länk: <a href="{base}/?lang=sv">Chatta med Tryggbot</a>.</p>
</main>
</body>
</html>
"""


def snippet(base: str, lang: str = "sv") -> str:
    """The line a kommun's web editor puts on a page."""
    return (
        f'<script src="{base}/embed.js" data-lang="{lang}"'
        ' data-label="Chatta med Tryggbot" data-close="Stäng" async></script>'
    )


def sample_page(base: str) -> str:
    line = snippet(base)
    return SAMPLE.format(snippet=html.escape(line), embed=line, base=html.escape(base))


async def serve_sample(base: str, host: str, port: int) -> web.AppRunner:
    """Serve the sample page at http://host:port/ until the runner is cleaned up."""

    async def page(_: web.Request) -> web.Response:
        return web.Response(text=sample_page(base), content_type="text/html")

    app = web.Application()
    app.add_routes([web.get("/", page)])
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner

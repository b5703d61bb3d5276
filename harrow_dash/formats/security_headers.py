"""The security headers every HTTP response of the dashboard carries, and who may show it in a frame.

One policy, whoever serves the response: the app itself sends it (the middleware of
:mod:`harrow_dash.ui.asgi_app`, which ``make run``, ``harrow-dash serve`` and the deployment's
instances all start), so a council that runs one instance with no proxy, or behind a proxy of its
own, has it too; the deployment's nginx sends the same policy on the responses it makes itself
(``deploy/nginx/harrow-dash.conf.template``, checked against this module by ``tests/test_deploy.py``).

The Content-Security-Policy lets the pages load only their own origin's scripts, styles, fonts and
images. Streamlit's front end needs inline styles (its CSS-in-JS and the app's own styling),
data:/blob: images (charts, downloads), one inline script in its index.html (allowed by its hash: a
Streamlit upgrade that changes it fails ``tests/browser/test_deploy_proxy.py`` and
``tests/browser/test_app_headers_in_browser.py``), scripts from blob: URLs (a component's JavaScript,
the Presentation page's keyboard keys, is loaded as a blob module, which only a script already
running on the page can make) and WebAssembly compiled by its own code ('wasm-unsafe-eval'; not
JavaScript from strings: 'unsafe-eval' stays off). connect-src 'self' covers the websocket to the
same host. Framing: ``frame-ancestors 'none'`` unless ``HARROW_DASH_FRAME_ANCESTORS`` names who may
(e.g. ``https://intranet.council.gov.uk``).
"""

from __future__ import annotations

import re

# Everything but frame-ancestors, which is a setting.
CSP_WITHOUT_FRAMING = (
    "default-src 'self'; "
    "script-src 'self' blob: 'wasm-unsafe-eval' "
    "'sha256-THxz9J9+wf7rhwR2YkXJoSZ13UCmYyC+3lNDv2+8ugA='; "
    "style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; "
    "connect-src 'self'; worker-src 'self' blob:; frame-src 'self'; media-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'"
)
DEFAULT_FRAME_ANCESTORS = "'none'"
OTHER_HEADERS = (("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "same-origin"))

# A source a frame-ancestors list may name: 'self', a scheme (https:), or a host with an optional
# scheme, port and path (https://intranet.example.gov.uk, *.example.gov.uk:443). Nothing that could
# end the directive or the header (';', ',', quotes, spaces inside a source, line breaks).
_SOURCE = re.compile(
    r"^('self'|[a-z][a-z0-9+.-]*:|([a-z][a-z0-9+.-]*://)?(\*\.)?[a-z0-9-]+(\.[a-z0-9-]+)*"
    r"(:(\d{1,5}|\*))?(/[a-z0-9._~%!$&()*+=@/-]*)?)$",
    re.IGNORECASE,
)


def frame_ancestors_problem(value: str) -> str | None:
    """Why ``value`` cannot be the frame-ancestors list (one line, naming the setting), or None."""
    sources = value.split()
    if sources == [DEFAULT_FRAME_ANCESTORS]:
        return None
    bad = [s for s in sources if not _SOURCE.match(s)]
    if not sources or bad:
        shown = ", ".join(repr(s) for s in bad) or "nothing"
        return (
            f"HARROW_DASH_FRAME_ANCESTORS gives {shown}: name who may show the dashboard in a "
            "frame as sources separated by spaces, such as https://intranet.example.gov.uk, or "
            "'none' (the default) for nobody."
        )
    return None


def content_security_policy(frame_ancestors: str = DEFAULT_FRAME_ANCESTORS) -> str:
    """The Content-Security-Policy, framing by ``frame_ancestors`` (checked: see
    :func:`frame_ancestors_problem`)."""
    problem = frame_ancestors_problem(frame_ancestors)
    if problem is not None:
        raise ValueError(problem)
    return f"{CSP_WITHOUT_FRAMING}; frame-ancestors {' '.join(frame_ancestors.split())}"


def security_headers(frame_ancestors: str = DEFAULT_FRAME_ANCESTORS) -> list[tuple[str, str]]:
    """Every security header, name and value, in the order they are sent."""
    return [
        ("Content-Security-Policy", content_security_policy(frame_ancestors)),
        *OTHER_HEADERS,
    ]

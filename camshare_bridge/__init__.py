"""camshare's owner-site bridge: streams a camera to camshare only while a share is active.

Installed alone on a small computer on the owner's network (``pip install -r
camshare_bridge/requirements.txt``; run ``python -m camshare_bridge``). It talks to
camshare over HTTPS, outbound only, and opens no port. Camera addresses, user names and
passwords stay in its config file on that computer.
"""

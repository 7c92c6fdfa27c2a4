"""A small loopback web site for the format tests: an Italian listing page, articles, a sitemap, a JSON API."""

from __future__ import annotations

import json

from tests.ingest.feedserver import FeedServer, Reply

# (path, listing title, listing date, article title, article date, text)
ARTICLES = [
    (
        "/it/articolo/piantedosi-g7",
        "G7 Interno: il piano d'azione",
        "4 ottobre 2024",
        "G7 dei ministri dell'Interno: adottato il piano d'azione di Mirabella Eclano",
        "2024-10-04",
        "I ministri dell'Interno del G7 hanno adottato a Mirabella Eclano un piano d'azione contro il traffico di migranti, "
        "con misure comuni contro le reti criminali che organizzano le traversate e contro i loro profitti.",
    ),
    (
        "/it/articolo/meloni-starmer",
        "Incontro Meloni-Starmer",
        "16 settembre 2024",
        "Il Presidente Meloni incontra il Primo Ministro Starmer a Roma",
        "2024-09-16",
        "Il Presidente del Consiglio ha ricevuto a Palazzo Chigi il Primo Ministro del Regno Unito; al centro del colloquio "
        "la cooperazione contro l'immigrazione irregolare e lo smantellamento delle reti dei trafficanti.",
    ),
    (
        "/it/articolo/senza-data",
        "Comunicato senza data in elenco",
        "",
        "Comunicato stampa sulla cooperazione di polizia",
        "2024-08-02",
        "La Polizia di Stato ha concluso un'operazione internazionale con Europol che ha portato a dodici arresti e al "
        "sequestro di documenti falsi usati per far entrare migranti nell'area Schengen.",
    ),
]


def article_page(title: str, date: str, text: str) -> bytes:
    return (
        f"""<!doctype html><html lang="it"><head><title>{title} | Governo</title>
<meta property="og:title" content="{title}"><meta property="article:published_time" content="{date}T10:00:00+02:00">
</head><body><nav><a href="/">Home</a> <a href="/it/notizie">Notizie</a></nav>
<article><h1>{title}</h1><p>{text}</p><p>{text.replace("G7", "Gruppo dei Sette")}</p></article>
<footer>Presidenza del Consiglio dei Ministri - Tutti i diritti riservati</footer></body></html>"""
    ).encode()


def listing_page(articles=ARTICLES) -> bytes:
    cards = "".join(
        f'<div class="card"><h3><a class="link" href="{path}">{title}</a></h3><span class="data">{date}</span></div>'
        for path, title, date, *_ in articles
    )
    return f'<!doctype html><html lang="it"><head><title>Notizie</title></head><body><main>{cards}</main></body></html>'.encode()


def sitemap_index(server: FeedServer, n: int = 1) -> bytes:
    items = "".join(f"<sitemap><loc>{server.url(f'/sitemap-{i}.xml')}</loc><lastmod>2024-10-0{1 + i % 9}</lastmod></sitemap>" for i in range(n))
    return f'<?xml version="1.0" encoding="UTF-8"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{items}</sitemapindex>'.encode()


def urlset(server: FeedServer, paths_and_dates) -> bytes:
    urls = "".join(f"<url><loc>{server.url(p)}</loc><lastmod>{d}</lastmod></url>" for p, d in paths_and_dates)
    return f'<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'.encode()


def api(server: FeedServer) -> bytes:
    entries = [
        {
            "title": {"value": "Minister announces new border funding"},
            "link": server.url("/api-news/1"),
            "publishedDate": "2024-11-02T09:00:00Z",
            "teaser": "The Minister of Public Safety announced funding to counter migrant smuggling networks at the border.",
        },
        {
            "title": {"value": "Joint operation with CBSA"},
            "link": server.url("/api-news/2"),
            "publishedDate": "2024-11-05T09:00:00Z",
            "teaser": "A joint operation with the Canada Border Services Agency dismantled a smuggling ring operating across the border.",
        },
    ]
    return json.dumps({"feed": {"entry": entries}}).encode()


def conditional(body: bytes, etag: str, content_type: str):
    """A route that answers 304 to a matching If-None-Match, as a well-kept server does."""

    def handler(server, request):
        if request.headers.get("If-None-Match") == etag:
            return Reply(304, b"", {"ETag": etag})
        return Reply(200, body, {"ETag": etag, "Content-Type": content_type})

    return handler


def build(server: FeedServer) -> None:
    server.routes["/it/notizie"] = conditional(listing_page(), '"l1"', "text/html; charset=utf-8")
    for path, _lt, _ld, title, date, text in ARTICLES:
        server.routes[path] = Reply(200, article_page(title, date, text), {"Content-Type": "text/html; charset=utf-8"})
    server.routes["/sitemap.xml"] = conditional(sitemap_index(server), '"s1"', "application/xml")
    server.routes["/sitemap-0.xml"] = Reply(200, urlset(server, [(p, d) for p, _lt, _ld, _t, d, _x in ARTICLES]), {"Content-Type": "application/xml"})
    server.routes["/api/news"] = conditional(api(server), '"j1"', "application/json")

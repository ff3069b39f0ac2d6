"""What each demo user should see after signing in: their landing page and their menu
(written out here, not derived from ``citycarbon.web.nav``, so that the test checks it)."""

from __future__ import annotations

ALL_NAV = {
    "/cockpit": "City cockpit",
    "/explorer": "Inventory explorer",
    "/portal": "Enterprise portal",
    "/review": "District review",
    "/verify": "Verifier queue",
    "/assessment": "Targets & assessment",
    "/projects": "Project assessment",
    "/pathways": "Peak pathways",
    "/monitoring": "Energy monitoring",
    "/assets": "Carbon assets",
    "/index": "Low-carbon index",
    "/import": "Data import",
    "/refdata": "Reference data",
    "/admin": "Administration",
}

# one user of each role
HOME_OF = {
    "admin": "/cockpit",
    "city": "/cockpit",
    "analyst": "/cockpit",  # the city office's pathway analyst
    "district-321102": "/cockpit",
    "firm-1": "/portal",
    "verifier-a": "/verify",
    "reviewer": "/cockpit",
    "public": "/cockpit",
}

NAV_OF = {
    "admin": list(ALL_NAV),
    "city": [
        "/cockpit",
        "/explorer",
        "/review",
        "/assessment",
        "/projects",
        "/pathways",
        "/monitoring",
        "/assets",
        "/index",
        "/import",
        "/refdata",
        "/admin",  # audit log
    ],
    "analyst": [
        "/cockpit",
        "/explorer",
        "/review",
        "/assessment",
        "/projects",
        "/pathways",
        "/monitoring",
        "/assets",
        "/index",
        "/import",
        "/refdata",
        "/admin",
    ],
    "district-321102": [
        "/cockpit",
        "/explorer",
        "/review",
        "/assessment",
        "/projects",
        "/pathways",
        "/monitoring",
        "/assets",
        "/index",
        "/import",
        "/refdata",
    ],
    "firm-1": ["/cockpit", "/portal", "/monitoring", "/assets", "/index", "/refdata"],
    "verifier-a": ["/cockpit", "/verify", "/monitoring", "/index", "/refdata"],
    "reviewer": ["/cockpit", "/explorer", "/assessment", "/projects", "/index", "/refdata"],
    "public": ["/cockpit", "/explorer", "/index", "/refdata"],
}

DISTRICTS = {
    "321102": ("京口区", "Jingkou"),
    "321111": ("润州区", "Runzhou"),
    "321112": ("丹徒区", "Dantu"),
    "321181": ("丹阳市", "Danyang"),
    "321182": ("扬中市", "Yangzhong"),
    "321183": ("句容市", "Jurong"),
}

"""Controlled vocabularies: phases, service areas, roles and the other fixed lists."""

from __future__ import annotations

from typing import Literal, get_args

Phase = Literal["idea", "discovery", "alpha", "beta", "live", "retired"]

# A compact top-level list that maps onto the LGA's Local Government Service List.
ServiceArea = Literal[
    "housing",
    "planning",
    "waste",
    "council-tax-and-revenues",
    "benefits",
    "adult-social-care",
    "childrens-services",
    "education",
    "highways-and-transport",
    "parking",
    "licensing",
    "environmental-health",
    "libraries-and-culture",
    "customer-contact",
    "democracy",
    "public-health",
    "community-safety",
    "regeneration",
    "workforce",
    "digital-infrastructure",
    "data-and-analytics",
]

PartnerRole = Literal["lead", "partner", "funder", "adopter"]

CollaborationOffer = Literal["share-ideas", "share-research", "share-code", "co-fund", "co-deliver"]

ProductRelation = Literal["produces", "uses"]

ProductKind = Literal["service", "api", "component", "design-pattern", "platform", "dataset", "tool"]

# publiccode.yml developmentStatus and maintenance/type.
DevelopmentStatus = Literal["concept", "development", "beta", "stable", "obsolete"]
Maintenance = Literal["internal", "contract", "community", "none"]

ResearchMethod = Literal[
    "interviews",
    "survey",
    "usability-testing",
    "contextual-inquiry",
    "diary-study",
    "workshop",
    "analytics",
    "desk-research",
    "prototype-testing",
    "other",
]

RecordType = Literal["project", "product", "finding", "code-link"]

PHASES: tuple[str, ...] = get_args(Phase)
SERVICE_AREAS: tuple[str, ...] = get_args(ServiceArea)
RECORD_TYPES: tuple[str, ...] = get_args(RecordType)

SERVICE_AREA_LABELS: dict[str, str] = {
    area: area.replace("-", " ").replace("childrens", "children's").capitalize() for area in SERVICE_AREAS
}

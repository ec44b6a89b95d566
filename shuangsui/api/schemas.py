from datetime import date

from ninja import Schema


class UnitOut(Schema):
    code: str
    name: str


class EntityOut(Schema):
    uid: str
    name: str
    entity_type: str
    unit: UnitOut
    region_code: str
    industry_code: str
    address: str
    legal_rep: str
    status: str
    established: date | None
    credit_class: str | None = None
    key_tags: list[str]


class ItemOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    sub_items: list[str]
    legal_basis: str
    subject: str
    object_type: str
    ratio_cap: str | None
    frequency: str
    methods: list[str]
    inspector_requirements: list[str]


class InspectorOut(Schema):
    id: int
    badge_no: str
    name: str
    kind: str
    unit: UnitOut
    department: UnitOut | None
    qualifications: list[str]
    expertise: list[str]
    on_duty: bool


class Page(Schema):
    count: int
    page: int
    pages: int
    results: list


class ErrorOut(Schema):
    detail: str

"""The pathway forms: the scenario editor (``/pathways/new?parent=…`` and
``/pathways/{name}/edit``), deleting a scenario, the structure optimisation and the structure
path on a scenario's page and the IAMC upload on the overview.

The editor shows the main levers of the parent's resolved definition (its own, when editing)
as fields, plus the overrides as YAML. On saving, the YAML is applied to the parent, then the
levers whose value the user changed (each field carries the value it showed) are applied on
top (``pathways_levers``); what is stored is only what differs from the parent (the service
computes it). Post, redirect, get: a saved form is answered with 303 to the scenario's page;
a refused one shows the editor again with each problem next to its field, in both languages.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

import yaml
from fastapi import APIRouter, File, Form, Path, Request, UploadFile
from fastapi.responses import Response
from sqlalchemy.orm import Session

from citycarbon.errors import CitycarbonError, Message
from citycarbon.pathways.scenario_dict import deep_merge
from citycarbon.service.access import Permission, require_grant
from citycarbon.service.actor import Actor
from citycarbon.service.pathways_analysis import import_iamc, optimise
from citycarbon.service.pathways_store import (
    child_overrides,
    delete_scenario,
    descendants,
    get_scenario,
    list_scenarios,
    plain,
    rows_of,
    save_scenario,
)
from citycarbon.service.pathways_structure import structure_path
from citycarbon.web.api.inventory import RegionParam
from citycarbon.web.api.reports import MAX_UPLOAD_BYTES
from citycarbon.web.app import status_of
from citycarbon.web.deps import ReadSession, Sessions, SignedInDep
from citycarbon.web.pages.assessment_forms import FormValueError
from citycarbon.web.pages.pathways import (
    overview_response,
    region_code_for,
    region_view,
    scenario_response,
    subject_names,
)
from citycarbon.web.pages.pathways_levers import (
    Lever,
    LeverError,
    apply_levers,
    changed_levers,
    lever_label,
    levers,
    parse_number,
)
from citycarbon.web.pages.portal import back
from citycarbon.web.templating import render

router = APIRouter(include_in_schema=False)

SHOWN_STATUSES = (400, 409, 422)
RESERVED = ("new", "iamc")  # page paths under /pathways/
TEXT_FIELDS = ("name", "parent", "label_zh", "label_en", "description", "overrides", "version")
GROUPS = (
    ("growth", Message("驱动因素增长率", "Driver growth")),
    ("improvement", Message("能源强度年下降率", "Energy-intensity improvement")),
    ("electricity", Message("电气化：电力占终端能源比例", "Electrification: electricity share")),
    ("grid", Message("电网排放因子", "Grid emission factor")),
    ("sinks", Message("碳汇", "Sinks")),
)
DEFAULT_LOW, DEFAULT_HIGH = 0.0, 0.1  # yearly growth bounds of value added
NameIn = Annotated[str, Path(min_length=1, max_length=60)]


class EditorError(CitycarbonError):
    """A problem of the editor's own fields (the YAML text, a reserved name)."""


def _lever_rows(definition: dict[str, Any], form: dict[str, str] | None) -> list[dict[str, Any]]:
    """The lever fields by group, with the value shown (as entered after a refusal)."""
    names = subject_names()
    rows: dict[str, list[dict[str, Any]]] = {kind: [] for kind, _ in GROUPS}
    for lever in levers(definition):
        entered = (form or {}).get(lever.key)
        original = (form or {}).get(f"orig.{lever.key}")
        rows[lever.kind].append(
            {
                "key": lever.key,
                "label": lever_label(lever, names),
                "value": lever.shown if entered is None else entered,
                "orig": lever.shown if original is None else original,
                "unit": lever.unit,
            }
        )
    return [
        {"kind": kind, "title": title, "levers": rows[kind]} for kind, title in GROUPS if rows[kind]
    ]


def _dump(data: dict[str, Any]) -> str:
    return "" if not data else yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def editor_response(
    request: Request,
    session: Session,
    actor: Actor,
    region: str,
    *,
    name: str | None,
    parent: str | None,
    form: dict[str, str] | None = None,
    problem: CitycarbonError | None = None,
    status: int = 200,
) -> Response:
    """The editor: a new child of ``parent`` (``name`` None) or the stored ``name``."""
    require_grant(actor, Permission.MANAGE_PATHWAYS)
    here, _ = region_view(session, actor, region)
    scenarios = list_scenarios(session, actor, region)
    models = [s["name"] for s in scenarios if s["kind"] == "model"]
    if name is not None:
        stored = get_scenario(session, actor, region, name)
        below = set(descendants(rows_of(session, region), name))
        parents = [n for n in models if n != name and n not in below]
        values = {
            "name": name,
            "parent": stored["parent"] or "",
            "label_zh": stored["label"]["zh"] if stored["label"]["zh"] != name else "",
            "label_en": stored["label"]["en"] if stored["label"]["en"] != name else "",
            "description": stored["description"],
            "overrides": _dump(stored["overrides"]),
            "version": str(stored["version"]),
        }
        definition = stored.get("definition") or {}
    else:
        parents = models
        parent = parent if parent in models else (models[0] if models else None)
        values = {
            "name": "", "parent": parent or "", "label_zh": "", "label_en": "",
            "description": "", "overrides": "", "version": "",
        }  # fmt: skip
        definition = get_scenario(session, actor, region, parent)["definition"] if parent else {}
    if form is not None:
        values = {k: form.get(k, values.get(k, "")) for k in TEXT_FIELDS}
    field = problem.field if problem is not None else None
    if (
        field is not None
        and field not in TEXT_FIELDS
        and not any(field == lever.key for lever in _safe_levers(definition))
    ):
        field = "overrides"  # a field inside the definition: the YAML names it
    return render(
        request,
        "pathways_editor.html",
        {
            "region": here,
            "mode": "edit" if name is not None else "new",
            "values": values,
            "parents": parents,
            "groups": _lever_rows(definition, form) if definition else [],
            "problem": problem.message if problem is not None else None,
            "problem_field": field,
        },
        status,
    )


def _safe_levers(definition: dict[str, Any]) -> list[Lever]:
    try:
        return levers(definition) if definition else []
    except LeverError:
        return []


def _overrides_text(text: str) -> dict[str, Any]:
    if not text.strip():
        return {}
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise EditorError(
            Message(zh=f"YAML 格式错误：{error}", en=f"malformed YAML: {error}"), field="overrides"
        ) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise EditorError(
            Message(
                zh="高级设置应为 YAML 映射（键: 值）",
                en="the advanced overrides must be a YAML mapping (key: value)",
            ),
            field="overrides",
        )
    return plain(data)


def _save(session: Session, actor: Actor, region: str, form: dict[str, str], editing: bool) -> str:
    name = form.get("name", "").strip()
    if name in RESERVED:
        raise EditorError(
            Message(
                zh=f"情景名称 {name!r} 为系统保留", en=f"the scenario name {name!r} is reserved"
            ),
            field="name",
        )
    parent = form.get("parent", "").strip() or None
    models = [s["name"] for s in list_scenarios(session, actor, region) if s["kind"] == "model"]
    if parent is not None and parent not in models:
        raise EditorError(
            Message(
                zh=f"父情景 {parent} 不存在（须为本地区的模型情景）",
                en=f"parent scenario {parent} does not exist (a model scenario of this region)",
            ),
            field="parent",
        )
    own = _overrides_text(form.get("overrides", ""))
    base = plain(get_scenario(session, actor, region, parent)["definition"]) if parent else {}
    effective = deep_merge(base, own)
    effective.pop("parent", None)
    effective["name"] = name or "new"
    changed = changed_levers(form, effective, subject_names())
    full = deep_merge(effective, plain(apply_levers(effective, changed))) if changed else effective
    if parent is not None:
        body = child_overrides(session, region, parent, full)
    else:
        body = {k: v for k, v in full.items() if k not in ("name", "parent")}
    version = form.get("version", "").strip()
    expected = None
    if editing:
        expected = int(parse_number(version, "version", Message("版本号", "version")))
    save_scenario(
        session,
        actor,
        region,
        name,
        overrides=body,
        parent=parent,
        label_zh=form.get("label_zh", "").strip(),
        label_en=form.get("label_en", "").strip(),
        description=form.get("description", "").strip(),
        expected_version=expected,
    )
    return name


async def _form_of(request: Request) -> dict[str, str]:
    raw = await request.form()
    return {str(k): str(v) for k, v in raw.items() if k != "csrf_token" and isinstance(v, str)}


def _editor_post(
    request: Request,
    sessions: Sessions,
    actor: Actor,
    region: str,
    form: dict[str, str],
    name: str | None,
) -> Response:
    require_grant(actor, Permission.MANAGE_PATHWAYS)
    try:
        with sessions.begin() as session:
            saved = _save(session, actor, region, form, editing=name is not None)
    except CitycarbonError as exc:
        status = 422 if isinstance(exc, EditorError | LeverError | FormValueError) else (
            status_of(exc)
        )  # fmt: skip
        if status not in SHOWN_STATUSES:
            raise
        if status == 400:
            status = 422  # the core's scenario errors: the definition is unprocessable
        with sessions() as session:
            return editor_response(
                request, session, actor, region, name=name,
                parent=form.get("parent") or None, form=form, problem=exc, status=status,
            )  # fmt: skip
    return back(f"/pathways/{quote(saved)}?region={region}&done=saved")


@router.get("/pathways/new")
async def new_page(
    request: Request,
    actor: SignedInDep,
    session: ReadSession,
    region: RegionParam = None,
    parent: str | None = None,
) -> Response:
    code = region_code_for(session, actor, region)
    return editor_response(request, session, actor, code, name=None, parent=parent)


@router.post("/pathways/new")
async def new_post(
    request: Request, actor: SignedInDep, sessions: Sessions, region: RegionParam = None
) -> Response:
    form = await _form_of(request)
    with sessions() as session:
        code = region_code_for(session, actor, region)
    return _editor_post(request, sessions, actor, code, form, None)


@router.get("/pathways/{name}/edit")
async def edit_page(
    request: Request,
    name: NameIn,
    actor: SignedInDep,
    session: ReadSession,
    region: RegionParam = None,
) -> Response:
    code = region_code_for(session, actor, region)
    return editor_response(request, session, actor, code, name=name, parent=None)


@router.post("/pathways/{name}/edit")
async def edit_post(
    request: Request,
    name: NameIn,
    actor: SignedInDep,
    sessions: Sessions,
    region: RegionParam = None,
) -> Response:
    form = await _form_of(request)
    form["name"] = name  # a stored scenario keeps its name
    with sessions() as session:
        code = region_code_for(session, actor, region)
    return _editor_post(request, sessions, actor, code, form, name)


@router.post("/pathways/{name}/delete")
async def delete_post(
    request: Request,
    name: NameIn,
    actor: SignedInDep,
    sessions: Sessions,
    version: Annotated[int | None, Form(ge=1, le=2**31 - 1)] = None,
    region: RegionParam = None,
) -> Response:
    with sessions() as session:
        code = region_code_for(session, actor, region)
    try:
        with sessions.begin() as session:
            delete_scenario(session, actor, code, name, version)
    except CitycarbonError as exc:
        if status_of(exc) not in SHOWN_STATUSES:
            raise
        with sessions() as session:
            return await overview_response(
                request, session, actor, code, problem=exc.message, status=status_of(exc)
            )
    return back(f"/pathways?region={code}&done=deleted")


def _optional(form: dict[str, str], key: str, label: Message) -> float | None:
    text = form.get(key, "").strip()
    return None if not text else parse_number(text, key, label)


def _growth_bounds(form: dict[str, str]) -> tuple[float, float]:
    """The form's lowest and highest yearly growth of value added (in %), as fractions."""
    low = _optional(form, "growth_low", Message("增速下限", "growth low"))
    high = _optional(form, "growth_high", Message("增速上限", "growth high"))
    return (
        DEFAULT_LOW if low is None else low / 100,
        DEFAULT_HIGH if high is None else high / 100,
    )


def _shown_problem(exc: CitycarbonError) -> tuple[int, str]:
    """The status and form field of an error the page shows beside its form (others raise)."""
    status = 422 if isinstance(exc, LeverError) else status_of(exc)
    if status not in SHOWN_STATUSES:
        raise exc
    field = {"min_growth": "growth_low", "max_growth": "growth_high"}.get(
        exc.field or "", exc.field or ""
    )
    return (422 if status == 400 else status), field


@router.post("/pathways/{name}/optimise")
async def optimise_post(
    request: Request,
    name: NameIn,
    actor: SignedInDep,
    sessions: Sessions,
    region: RegionParam = None,
) -> Response:
    """The structure optimisation of the scenario's production sectors in a year; the
    result (or why there is none) is shown on the scenario's page."""
    form = await _form_of(request)
    shown = {k: form.get(k, "") for k in ("year", "carbon_cap", "energy_cap",
                                          "growth_low", "growth_high")}  # fmt: skip
    with sessions() as session:
        code = region_code_for(session, actor, region)
        try:
            year = int(parse_number(form.get("year", ""), "year", Message("年份", "year")))
            low, high = _growth_bounds(form)
            result = optimise(
                session,
                actor,
                code,
                name,
                year,
                carbon_cap=_optional(form, "carbon_cap", Message("碳排放上限", "carbon cap")),
                energy_cap=_optional(form, "energy_cap", Message("能耗上限", "energy cap")),
                min_growth=low,
                max_growth=high,
            )
        except CitycarbonError as exc:
            status, field = _shown_problem(exc)
            return await scenario_response(
                request, session, actor, code, name,
                optimise_form=shown | {"field": field},
                optimise_problem=exc.message, status=status,
            )  # fmt: skip
        return await scenario_response(
            request, session, actor, code, name,
            optimise_form=shown | {"field": ""}, optimisation=result,
        )  # fmt: skip


@router.post("/pathways/{name}/structure-path")
async def structure_post(
    request: Request,
    name: NameIn,
    actor: SignedInDep,
    sessions: Sessions,
    region: RegionParam = None,
) -> Response:
    """The structure path over the default milestone years (every 5 years to 2060), each
    year capped at the scenario's own emissions, within the growth bounds of the form."""
    form = await _form_of(request)
    shown = {k: form.get(k, "") for k in ("growth_low", "growth_high")}
    with sessions() as session:
        code = region_code_for(session, actor, region)
        try:
            low, high = _growth_bounds(form)
            result = structure_path(session, actor, code, name, min_growth=low, max_growth=high)
        except CitycarbonError as exc:
            status, field = _shown_problem(exc)
            return await scenario_response(
                request, session, actor, code, name,
                structure_form=shown | {"field": field},
                structure_problem=exc.message, status=status,
            )  # fmt: skip
        return await scenario_response(
            request, session, actor, code, name,
            structure_form=shown | {"field": ""}, structure=result,
        )  # fmt: skip


@router.post("/pathways/iamc")
async def iamc_post(
    request: Request,
    actor: SignedInDep,
    sessions: Sessions,
    file: Annotated[UploadFile, File()],
    region: RegionParam = None,
) -> Response:
    """An IAMC CSV stored as an external scenario (for comparison); nothing is stored if
    any row is wrong, and the page names the row and field."""
    data = await file.read(MAX_UPLOAD_BYTES + 1)
    with sessions() as session:
        code = region_code_for(session, actor, region)
    try:
        if len(data) > MAX_UPLOAD_BYTES:
            raise EditorError(Message(zh="文件过大", en="the file is too large"), field="file")
        text = data.decode("utf-8-sig")
        with sessions.begin() as session:
            import_iamc(session, actor, code, text, file.filename or "upload.csv")
    except UnicodeDecodeError:
        with sessions() as session:
            return await overview_response(
                request, session, actor, code,
                problem=Message("文件须为 UTF-8 编码的 CSV", "the file must be UTF-8 CSV"),
                status=422,
            )  # fmt: skip
    except CitycarbonError as exc:
        status = 422 if isinstance(exc, EditorError) else status_of(exc)
        if status not in SHOWN_STATUSES:
            raise
        with sessions() as session:
            return await overview_response(
                request, session, actor, code, problem=_issues_message(exc), status=status
            )
    return back(f"/pathways?region={code}&done=imported")


def _issues_message(exc: CitycarbonError) -> Message:
    issues = getattr(exc, "issues", None)
    if not issues:
        return exc.message
    first = issues[:5]
    zh = "；".join(i.describe("zh") for i in first)
    en = "; ".join(i.describe("en") for i in first)
    more = len(issues) - len(first)
    if more > 0:
        zh += f"（另有 {more} 处）"
        en += f" (and {more} more)"
    return Message(zh=zh, en=en)

"""The data dictionary (`keys` table): every cell key of the template with its Chinese label
(from parsers/template.yaml via parsers.spec), an English description, and its versions."""
from __future__ import annotations

from parsers import spec

# English names of rows and columns (keys and Chinese labels come from the template).
ROWS_EN: dict[str, str] = {
    # section 二 (active disclosure)
    "regulations": "Rules (规章)",
    "normative_documents": "Normative documents",
    "licensing": "Administrative licensing",
    "other_services": "Other external management services",
    "penalty": "Administrative penalties",
    "coercion": "Administrative coercion",
    "fees": "Administrative fees",
    "procurement": "Centralized government procurement",
    # section 三 (applications)
    "new_received": "Requests newly received this year",
    "carried_over": "Requests carried over from last year",
    "granted": "Result: disclosed",
    "partially_granted": "Result: partially disclosed",
    "withheld_state_secret": "Refused: state secret",
    "withheld_prohibited_by_law": "Refused: prohibited by other laws and regulations",
    "withheld_security_stability": "Refused: endangers the 'three securities and one stability'",
    "withheld_third_party_rights": "Refused: protects a third party's lawful rights",
    "withheld_internal_affairs": "Refused: internal-affairs information",
    "withheld_process_information": "Refused: process information",
    "withheld_enforcement_files": "Refused: administrative enforcement case files",
    "withheld_administrative_query": "Refused: matter for administrative query",
    "unavailable_not_held": "Unavailable: the agency does not hold it",
    "unavailable_needs_creation": "Unavailable: would have to be newly produced",
    "unavailable_unclear_after_correction": "Unavailable: still unclear after correction",
    "not_processed_petition": "Not processed: petitions, reports, complaints",
    "not_processed_repeated": "Not processed: repeated request",
    "not_processed_publication": "Not processed: asks for public publications",
    "not_processed_excessive": "Not processed: large numbers of repeated requests without reason",
    "not_processed_confirm_reissue": "Not processed: asks to confirm or reissue information obtained",
    "other_handling": "Handled otherwise (2019 template, one row)",
    "other_no_correction": "Handled otherwise: applicant did not correct in time",
    "other_unpaid_fee": "Handled otherwise: applicant did not pay the fee in time",
    "other_other": "Handled otherwise: other",
    "total_processed": "Total processed",
    "carried_forward": "Carried forward to next year",
    # section 四 (appeals)
    "review": "Administrative review",
    "lawsuit_direct": "Lawsuit without prior review",
    "lawsuit_after_review": "Lawsuit after review",
}

COLUMNS_EN: dict[str, str] = {
    "issued": "issued this year",
    "repealed": "repealed this year",
    "in_force": "currently in force",
    "decisions": "decisions this year",
    "amount_10k_yuan": "amount collected this year (10,000 yuan)",
    "new_made": "newly made this year",
    "new_published": "newly published this year",
    "total_published": "total published",
    "items_prev_year": "items last year",
    "items_change": "change this year",
    "procurement_items": "procurement items",
    "procurement_amount": "total procurement amount (unit as printed)",
    "natural_person": "natural persons",
    "commercial_enterprise": "commercial enterprises",
    "research_institution": "research institutions",
    "social_welfare_org": "social welfare organizations",
    "legal_service_org": "legal service organizations",
    "other_org": "other organizations",
    "total": "total",
    "upheld": "upheld",
    "corrected": "corrected",
    "other": "other outcome",
    "pending": "pending",
}

FACTS_EN: dict[str, str] = {
    "active_disclosure_total": "Items proactively disclosed this year (narrative)",
    "portal_posts": "Items posted on the portal website (narrative)",
    "requests_received": "Disclosure requests received (narrative)",
    "requests_answered": "Disclosure requests answered (narrative)",
    "reviews": "Administrative reviews about disclosure (narrative)",
    "lawsuits": "Administrative lawsuits about disclosure (narrative)",
    "fees_collected": "Fees collected for information processing (narrative, unit as printed)",
}

# Printed sub-headings of section 三 that group rows (the template file has them as comments).
_APP_GROUPS = (("withheld_", "（三）不予公开"), ("unavailable_", "（四）无法提供"),
               ("not_processed_", "（五）不予处理"), ("other_", "（六）其他处理"))


def application_group(row: str) -> str | None:
    if row in ("granted", "partially_granted", "total_processed"):
        return "三、本年度办理结果"
    return next((g for prefix, g in _APP_GROUPS if row.startswith(prefix)), None)


def rows() -> list[dict]:
    """Rows of the `keys` table, in template order (2021 first, then keys only in 2019)."""
    out: dict[tuple[str, str, str], dict] = {}
    for version in ("2021", "2019"):
        tpl = spec.template(version)
        for table in spec.TABLES:
            cols = {c.key: c for c in tpl.columns.get(table, [])}
            for r in tpl.rows.get(table, []):
                for ck in r.columns:
                    k = (table, r.key, ck)
                    c = cols[ck]
                    col_label = f"{c.group}/{c.label}" if c.group else c.label
                    label = f"{r.label} / {col_label}"
                    if k in out:  # the same key in the 2019 template, perhaps printed differently
                        out[k]["versions"].append(version)
                        if label != out[k]["label_zh"]:
                            out[k]["label_zh"] += f"（{version}：{label}）"
                        continue
                    group = r.group if table != "applications" else application_group(r.key)
                    out[k] = {
                        "table_key": table, "row_key": r.key, "column_key": ck,
                        "label_zh": label,
                        "row_label_zh": r.label, "column_label_zh": col_label,
                        "group_zh": group,
                        "description_en": f"{ROWS_EN.get(r.key, r.key)}: {COLUMNS_EN.get(ck, ck)}",
                        "versions": [version],
                        # counts are in 件; the procurement amount's unit is printed per report
                        "unit": c.unit or (None if ck == "procurement_amount" else "件"),
                    }
    facts = [
        {"table_key": "facts", "row_key": f["key"], "column_key": "value",
         "label_zh": f"例：{f.get('example', '')}", "row_label_zh": None, "column_label_zh": "", "group_zh": None,
         "description_en": FACTS_EN.get(f["key"], f["key"]), "versions": list(spec.VERSIONS),
         "unit": None}
        for f in spec.raw()["facts"]
    ]
    result = list(out.values()) + facts
    for r in result:
        r["versions"] = ",".join(sorted(r["versions"]))
    return result

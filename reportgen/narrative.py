"""Invented narrative: the preamble, the six parts (or the pre-2019 parts), and the facts they state.

Every figure a sentence states is also returned as a `Fact`, so the narrative and
`Report.facts` cannot disagree. Phrasings vary with the seed but always carry the words a
reader keys on (主动公开…条, 门户网站…条, 收到…申请…件, 答复…件, 行政复议…件, 行政诉讼…件,
信息处理费…元).
"""
from __future__ import annotations

import random

from parsers.model import Fact, Section
from parsers.spec import sections as spec_sections

from .agencies import Agency

NUMERALS = "一二三四五六七八九十"
# Facts that restate a table total (narrative breaks may make them disagree).
TABLE_FACTS = ("requests_received", "requests_answered", "reviews", "lawsuits")

_OPENINGS = (
    "{year}年，{short}按照上级关于政务公开工作的部署，围绕中心工作推进政府信息公开，健全公开机制，"
    "规范依申请公开办理，公开质量和实效稳步提升。",
    "{year}年，{short}把政府信息公开作为改进作风、服务群众的重要抓手，细化任务分工，压实工作责任，"
    "各项工作有序推进。",
    "{year}年，在上级政务公开主管部门的指导下，{short}持续完善信息发布、解读回应和平台管理等制度，"
    "政府信息公开工作取得新进展。",
)
_ACTIVE = (
    "全年主动公开政府信息{n}条，其中在{site}门户网站主动公开信息{m}条。",
    "全年主动公开政府信息{n}条，在{site}门户网站主动公开信息{m}条，内容涵盖机构职能、财政预决算、"
    "重大项目和民生事项等。",
)
_REQUESTS = (  # (sentence, the phrase stating requests_answered)
    ("全年共收到政府信息公开申请{k}件，已答复政府信息公开申请{a}件，均在法定期限内办结。", "答复政府信息公开申请{a}件"),
    ("全年共收到政府信息公开申请{k}件，已答复{a}件，未出现超期答复的情况。", "答复{a}件"),
)
_APPEALS = (
    "因政府信息公开被申请行政复议{x}件，被提起行政诉讼{y}件。",
    "本年度因政府信息公开被申请行政复议{x}件，被提起行政诉讼{y}件，相关案件均依法应诉、答复。",
)
_FEES = "本年度依照《政府信息公开信息处理费管理办法》收取信息处理费{f}元。"
_TOPICS = (
    ("主动公开", "围绕财政资金、公共服务、乡村振兴等社会关注事项，及时发布政策文件和工作动态，"
     "做好政策解读和回应关切。"),
    ("依申请公开", "畅通网上申请、当面申请和信函申请渠道，规范受理、登记、审核、答复流程，"
     "做到件件有登记、事事有回音。"),
    ("政府信息管理", "落实公开属性源头认定和发布前保密审查，定期清理过时信息，动态更新公开目录。"),
    ("平台建设", "优化门户网站政府信息公开专栏栏目设置，加强政务新媒体管理，提升信息检索和移动端浏览体验。"),
    ("监督保障", "将政务公开纳入年度考核，组织业务培训，主动接受社会监督，对群众反映的问题及时整改。"),
)
_PROBLEMS = (
    "信息发布的及时性和规范性仍有差距，个别栏目更新不够及时。",
    "政策解读的形式较为单一，图解、视频等群众喜闻乐见的方式运用不多。",
    "工作人员调整较多，业务能力有待进一步提高。",
    "依申请公开办理中与申请人的沟通还不够充分。",
)
_MEASURES = (
    "建立栏目更新提醒机制，落实专人维护，确保信息按时发布。",
    "丰富解读形式，做到政策文件与解读材料同步起草、同步审签、同步发布。",
    "加强业务培训和工作交流，提高信息公开工作人员的履职能力。",
    "规范答复文书，加强与申请人的沟通，减少争议。",
)
_PRE2019_HEADINGS = (  # two wordings seen over the years; the last part is often left out
    (("overview", "概述"),
     ("active", "主动公开政府信息的情况"),
     ("applications", "依申请公开政府信息情况"),
     ("fees", "政府信息公开的收费及减免情况"),
     ("appeals", "因政府信息公开申请行政复议、提起行政诉讼的情况"),
     ("problems", "政府信息公开工作存在的主要问题及改进措施"),
     ("other", "其他需要报告的事项")),
    (("overview", "基本情况"),
     ("active", "主动公开政府信息情况"),
     ("applications", "依申请公开政府信息和不予公开政府信息的情况"),
     ("fees", "政府信息公开收费及减免情况"),
     ("appeals", "因政府信息公开申请行政复议、提起行政诉讼情况"),
     ("problems", "政府信息公开工作存在的主要问题和改进措施"),
     ("other", "其他需要报告的事项")),
)


def fact_values(rng: random.Random, level: str, requests: int, answered: int, reviews: int,
                lawsuits: int, approx: bool) -> dict[str, int]:
    """The narrative's figures; table-backed ones come from the (true) table numbers."""
    hi = {"township": 800, "county": 5000, "city": 20000, "province": 30000, "ministry": 10000}[level]
    n = rng.randint(hi // 16, hi)
    if approx:
        n = n // 10 * 10
    return {"active_disclosure_total": n, "portal_posts": int(n * rng.uniform(0.2, 0.9)),
            "requests_received": requests, "requests_answered": answered,
            "reviews": reviews, "lawsuits": lawsuits, "fees_collected": 0}


def _site(agency: Agency) -> str:
    s = agency.short
    for suffix in ("镇", "乡", "街道", "县", "区", "市", "省"):
        if s.endswith(suffix):
            return s[-len(suffix):] + "政府" if suffix != "街道" else "街道"
    return "本单位"


def _facts_text(rng: random.Random, agency: Agency, f: dict[str, int], approx: bool,
                keys: tuple[str, ...]) -> tuple[list[str], list[Fact]]:
    """Sentences stating the facts in `keys` (a subset of the usual order), and the facts."""
    site = _site(agency)
    n = f"{f['active_disclosure_total']}余" if approx else str(f["active_disclosure_total"])
    out, facts = [], []
    if "active_disclosure_total" in keys:
        out.append(rng.choice(_ACTIVE).format(n=n, m=f["portal_posts"], site=site))
        facts += [Fact("active_disclosure_total", f["active_disclosure_total"], f"主动公开政府信息{n}条"),
                  Fact("portal_posts", f["portal_posts"], f"门户网站主动公开信息{f['portal_posts']}条")]
    if "requests_received" in keys:
        sentence, answered = rng.choice(_REQUESTS)
        out.append(sentence.format(k=f["requests_received"], a=f["requests_answered"]))
        facts += [Fact("requests_received", f["requests_received"], f"收到政府信息公开申请{f['requests_received']}件"),
                  Fact("requests_answered", f["requests_answered"], answered.format(a=f["requests_answered"]))]
    if "reviews" in keys:
        out.append(rng.choice(_APPEALS).format(x=f["reviews"], y=f["lawsuits"]))
        facts += [Fact("reviews", f["reviews"], f"行政复议{f['reviews']}件"),
                  Fact("lawsuits", f["lawsuits"], f"行政诉讼{f['lawsuits']}件")]
    return out, facts


def _fees(f: dict[str, int]) -> tuple[str, Fact]:
    return _FEES.format(f=f["fees_collected"]), Fact("fees_collected", f["fees_collected"],
                                                     f"收取信息处理费{f['fees_collected']}元")


def six_parts(rng: random.Random, agency: Agency, year: int, f: dict[str, int],
              approx: bool, stated: frozenset[str] = frozenset()) -> tuple[list[Section], list[Fact]]:
    """The six parts of a 2019/2021-format report (parts 二–四 carry the tables); the facts in
    `stated` are always stated, others by chance."""
    said = lambda k, p: k in stated or rng.random() < p  # noqa: E731
    keys = ("active_disclosure_total",) + (
        ("requests_received",) if said("requests_received", 0.7) or "requests_answered" in stated else ()) + (
        ("reviews",) if said("reviews", 0.5) or "lawsuits" in stated else ())
    sentences, facts = _facts_text(rng, agency, f, approx, keys)
    opening = rng.choice(_OPENINGS).format(year=year, short=agency.short)
    paras = [opening + "".join(sentences)]
    for i, (topic, text) in enumerate(rng.sample(_TOPICS, rng.randint(3, 5))):
        paras.append(f"（{NUMERALS[i]}）{topic}\n{text}")
    problems = rng.sample(range(len(_PROBLEMS)), 2)
    part5 = "一是" + _PROBLEMS[problems[0]] + "二是" + _PROBLEMS[problems[1]] + "\n下一步，" + \
        "".join(_MEASURES[i] for i in problems)
    part6 = "无。"
    if rng.random() < 0.5:
        part6, fee = _fees(f)
        facts.append(fee)
    texts = {1: "\n".join(paras), 5: part5, 6: part6}
    sections = [Section(s["number"], s["label"], texts.get(s["number"], "")) for s in spec_sections()]
    return sections, facts


def pre2019_parts(rng: random.Random, agency: Agency, year: int, f: dict[str, int],
                  approx: bool) -> tuple[list[Section], list[Fact]]:
    """A report under the 2007 regulations: free headings, every figure in the narrative."""
    site = _site(agency)
    n = f"{f['active_disclosure_total']}余" if approx else str(f["active_disclosure_total"])
    facts = [Fact("active_disclosure_total", f["active_disclosure_total"], f"主动公开政府信息{n}条"),
             Fact("portal_posts", f["portal_posts"], f"门户网站主动公开信息{f['portal_posts']}条"),
             Fact("requests_received", f["requests_received"], f"收到政府信息公开申请{f['requests_received']}件"),
             Fact("requests_answered", f["requests_answered"], f"答复政府信息公开申请{f['requests_answered']}件"),
             Fact("reviews", f["reviews"], f"行政复议{f['reviews']}件"),
             Fact("lawsuits", f["lawsuits"], f"行政诉讼{f['lawsuits']}件")]
    fee_text = f"本年度收取政府信息公开检索、复制、邮寄等费用{f['fees_collected']}元。"  # the 2007 regulations' fees
    facts.append(Fact("fees_collected", f["fees_collected"], f"费用{f['fees_collected']}元"))
    texts = {
        "overview": rng.choice(_OPENINGS).format(year=year, short=agency.short)
        + "本年度报告根据《中华人民共和国政府信息公开条例》要求编制，数据统计期限为当年1月1日至12月31日。",
        "active": f"全年主动公开政府信息{n}条，其中在{site}门户网站主动公开信息{f['portal_posts']}条，"
        "其余通过公开栏、便民服务中心等渠道公开。" + _TOPICS[0][1],
        "applications": f"全年共收到政府信息公开申请{f['requests_received']}件，"
        f"已答复政府信息公开申请{f['requests_answered']}件。" + _TOPICS[1][1],
        "fees": fee_text + "未发生减免收费的情况。",
        "appeals": f"因政府信息公开被申请行政复议{f['reviews']}件，被提起行政诉讼{f['lawsuits']}件。",
        "problems": _PROBLEMS[rng.randrange(len(_PROBLEMS))] + "下一步，" + _MEASURES[rng.randrange(len(_MEASURES))],
        "other": "无。",
    }
    headings = rng.choice(_PRE2019_HEADINGS)
    headings = headings if rng.random() < 0.7 else headings[:-1]
    return [Section(i + 1, h, texts[k]) for i, (k, h) in enumerate(headings)], facts


def preamble(agency: Agency | str, year: int, parts: int, broken_dates: bool,
             headings: tuple[str, ...] = ()) -> str:
    """The paragraph before part 一; `broken_dates` prints the dates the way bad copies do.
    `headings`: a pre-2019 report's own parts, listed by name (else the 2019/2021 six)."""
    name = agency.name if isinstance(agency, Agency) else agency
    start, end = (f"{year}11日", f"{year}1231日") if broken_dates else (f"{year}年1月1日", f"{year}年12月31日")
    label = f"{year}{year % 100:02d}年" if broken_dates else f"{year}年"
    if headings:
        body = f"本报告由{'、'.join(headings)}{NUMERALS[len(headings) - 1]}个部分组成。"
    elif parts == 6:
        body = "本报告由总体情况、主动公开政府信息情况、收到和处理政府信息公开申请情况、政府信息公开行政复议、" \
            "行政诉讼情况、存在的主要问题及改进情况、其他需要报告的事项六个部分组成。"
    else:
        body = f"本报告共分{NUMERALS[parts - 1]}个部分。"
    return (f"本报告根据《中华人民共和国政府信息公开条例》要求，由{name}编制。{body}"
            f"本报告中所列数据的统计期限自{start}起至{end}止。本报告为{label}度报告，电子版可在门户网站下载。")

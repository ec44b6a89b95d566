"""Debian chromium 中的页面测试（手机宽度 390×844）：信用反馈。

一户 B 类主体因检查发现问题（结果代码 2、D）按规则表得到“调为 C 类”的建议；计划管理 planner 在手机上
打开“信用分类调整”，点开建议，写明说明后确认（先弹出确认对话框）；主体页的分类历史里有这次反馈。
之后导入一份分类日期更早的省级分类：主体仍为 C 类，历史里记为“未采用”。每页核对没有横向滚动。
"""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from shuangsui.core.models import User
from shuangsui.credit import services
from shuangsui.credit.choices import RuleEvent
from shuangsui.credit.models import ensure_rules
from shuangsui.directory.models import Entity
from shuangsui.tests.browser import confirm_and_wait, login, visit
from shuangsui.tests.test_browser_results import no_overflow, phone
from shuangsui.transfer.services import import_entities

pytestmark = pytest.mark.browser


def test_a_planner_confirms_a_proposal_on_a_phone_and_sees_the_history(browser, seeded_live_server):
    server = seeded_live_server
    ensure_rules()
    planner = User.objects.get(username="planner")
    entity = Entity.objects.filter(scope_path__startswith=planner.unit.county.path).first()
    Entity.objects.filter(pk=entity.pk).update(credit_class="B", credit_date=None)
    cause = services.Cause(
        entity=entity,
        key="browser:result:1",
        text="检查结果：演示任务 · FJSC-001 企业公示信息的抽查（结果代码 A、2、D）",
        codes=["A", "2", "D"],
    )
    proposal = services.propose(RuleEvent.RESULT_APPROVED, cause)
    assert (proposal.from_class, proposal.to_class) == ("B", "C")

    page = phone(browser)
    login(page, server, "planner")
    visit(page, server, "/credit/")
    expect(page.locator("#status-tabs")).to_contain_text("待确认（1）")
    card = page.locator("#proposal-table tbody tr").first
    expect(card).to_contain_text(entity.name)
    no_overflow(page, "credit-queue-390")
    with page.expect_navigation():
        card.get_by_role("link", name="确认或驳回").click()
    no_overflow(page, "credit-proposal-390")
    page.get_by_label("确认说明").fill("核实检查结果无误")
    text = confirm_and_wait(page, "#btn-confirm", says="调整为 C 类")
    assert entity.name in text
    expect(page.locator("#proposal-status")).to_contain_text("已确认")
    expect(page.locator("#credit-history")).to_contain_text("检查结果反馈")
    entity.refresh_from_db()
    assert (entity.credit_class, entity.credit_date) == ("C", timezone.localdate())

    older = (timezone.localdate() - datetime.timedelta(days=30)).isoformat()
    data = f"统一社会信用代码,信用风险分类,分类日期\n{entity.uid},A,{older}\n".encode()
    import_entities(data, "省级分类.csv", user=planner, mode="upsert")
    visit(page, server, f"/directory/entities/{entity.uid}/")
    history = page.locator("#credit-history")
    expect(history).to_contain_text("未采用")
    expect(history).to_contain_text("核实检查结果无误")
    expect(page.locator("dl.fields")).to_contain_text("C类")
    no_overflow(page, "credit-entity-history-390")

"""信用反馈测试共用的场景：东海所抽中的一户，检查结果经所长审核通过。"""

from shuangsui.directory.models import Entity
from shuangsui.results import services as results
from shuangsui.results.tests.helpers import ResultsTestCase

PROBLEM = dict(codes=["2", "D"], facts="未按规定明码标价", provisions="《价格法》第十三条")


class CreditTestCase(ResultsTestCase):
    def approved(self, entity=None, credit_class=None, **over):
        """该户的检查结果（默认发现问题）提交并经所长审核通过；返回结果。"""
        i = self.target(entity)
        if credit_class:
            Entity.objects.filter(pk=i.entity_id).update(credit_class=credit_class)
        user = self.officers(i)[0].user
        data = self.data(i, **(PROBLEM | over))
        result = results.submit(user, i, self.item, data)
        return results.approve(self.users["head"], result)

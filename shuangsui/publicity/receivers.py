"""公开阶段对前面阶段事件的反应：新的或改动的后续处置让公示的行“更新”，交换格式的增量拉取会再给出。"""

from django.db.models.signals import post_save

from shuangsui.followups.models import FollowUp

from . import exchange


def _followup_saved(sender, instance, **kwargs):
    exchange.touch_for_followup(instance)


def connect():
    post_save.connect(_followup_saved, sender=FollowUp, dispatch_uid="publicity.followup_saved")

"""会话用户的认证后端：每次请求载入用户时连同所属单位及其上级一并取出。"""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class UserBackend(ModelBackend):
    """与 ModelBackend 相同，只是 get_user 用一条连接查询带出 unit 与 unit.parent。

    每个页面都要用户的单位（导航栏显示单位名，辖区取所或县的路径），原先各多一两条查询。
    """

    def get_user(self, user_id):
        UserModel = get_user_model()
        try:
            user = UserModel._default_manager.select_related("unit", "unit__parent").get(pk=user_id)
        except UserModel.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None

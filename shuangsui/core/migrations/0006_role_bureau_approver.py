# 新角色“局审批人”（bureau_approver）：审批列入与移出经营异常名录

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0005_user_must_change_password'),
    ]

    operations = [
        migrations.AlterField(
            model_name='user',
            name='role',
            field=models.CharField(choices=[('admin', '系统管理员'), ('planner', '计划管理（信用监管）'), ('business', '业务股室'), ('station_head', '所长'), ('inspector', '检查人员'), ('joint_dept', '联合部门'), ('witness', '监督见证'), ('bureau_approver', '局审批人')], default='inspector', max_length=20, verbose_name='角色'),
        ),
    ]

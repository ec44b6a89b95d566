"""核心代码表。"""

from django.db import models


class UnitLevel(models.TextChoices):
    PROVINCE = "province", "省"
    CITY = "city", "市"
    COUNTY = "county", "县（区）"
    STATION = "station", "市场监管所"
    DEPARTMENT = "department", "部门/股室"


class Role(models.TextChoices):
    ADMIN = "admin", "系统管理员"
    PLANNER = "planner", "计划管理（信用监管）"
    BUSINESS = "business", "业务股室"
    STATION_HEAD = "station_head", "所长"
    INSPECTOR = "inspector", "检查人员"
    JOINT_DEPT = "joint_dept", "联合部门"
    WITNESS = "witness", "监督见证"
    BUREAU_APPROVER = "bureau_approver", "局审批人"

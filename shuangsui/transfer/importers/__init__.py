"""各种数据的导入：`core` 是共用部分，`entities`、`inspectors`、`items` 各管一种。"""

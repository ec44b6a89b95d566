"""spark-submit 的入口：在 Spark 集群上跑 `shuangsui draw-file --engine spark …`。

    spark-submit --master yarn --deploy-mode client \\
        --conf spark.executor.instances=20 --conf spark.executor.memory=4g \\
        tools/spark_draw.py --population /mnt/shared/population.csv --task-code … \\
        --ratio A=0.005 … --entropy operator=… --entropy witness=… --out record.json

驱动端（client 模式，即运行本脚本的机器）要装 shuangsui[spark]，把整个人口文件读进内存（算摘要、
校验格式，内存须大于文件）；执行器以 file:// 按同一路径读文件，所以它须在各节点同一路径挂载的共享
存储上（NFS、HDFS 的 NFS 网关等）。执行器只运行 JVM 里的 sha2 与排序，不需要 Python 包。
master、内存等由 spark-submit 给出，本脚本不覆盖。
"""

import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shuangsui.settings")
    from django.core.management import execute_from_command_line

    args = sys.argv[1:]
    if "--engine" not in args:
        args += ["--engine", "spark"]
    execute_from_command_line(["shuangsui", "draw-file", *args])

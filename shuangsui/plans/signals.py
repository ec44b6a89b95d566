"""计划阶段发出的事件。后续阶段（抽取等）在自己的 AppConfig.ready 里接收，计划从不调用它们。"""

from django.dispatch import Signal

task_checking = Signal()
"""批准前检查任务（check_task）时、比较比例上限之前发出。参数：task、user、check（TaskCheck，
接收者可补充）、population（调用方已算出的可抽名单，或 None）。抽取阶段据此给出可抽名单
（check.population）与按各层人数加权的任务比例（check.ratio）。"""

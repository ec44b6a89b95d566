from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from shuangsui.core import audit


class Command(BaseCommand):
    help = (
        "审计留痕：verify 逐行校验哈希链并核对签名检查点，发现改动、删除、调换或截断时以非零状态"
        "退出并指出第一处问题；checkpoint 为当前链头写签名检查点（每日由 cron/systemd 调用）；"
        "public-key 打印可公开的验签公钥"
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["verify", "checkpoint", "public-key"])
        parser.add_argument("--reason", default="每日检查点", help="checkpoint 的原因说明")
        parser.add_argument(
            "--public-key",
            help="verify 用公开的公钥文件（PEM）核对检查点签名，不需要私钥（供外部核验）",
        )

    def handle(self, *args, **opts):
        action = opts["action"]
        if action == "checkpoint":
            point = audit.checkpoint(opts["reason"])
            self.stdout.write(
                f"已写签名检查点 #{point.pk}：至第 {point.event_id} 行，"
                f"链头 {point.head_hash}，公钥 {point.key_id}，签名 {point.signature}"
            )
            return
        if action == "public-key":
            self.stdout.write(audit.public_key_pem(), ending="")
            return
        pem = None
        if opts["public_key"]:
            try:
                with open(opts["public_key"], encoding="ascii") as fh:
                    pem = fh.read()
            except (OSError, UnicodeDecodeError) as exc:
                raise CommandError(f"读不了公钥文件：{exc}") from exc
        checked, problem = audit.verify(public_key_pem=pem)
        if problem:
            row, reason = problem
            raise CommandError(f"审计链在第 {row} 行断开：{reason}（此前 {checked} 行完好）")
        self.stdout.write(f"审计链完好：共 {checked} 行。")
        point, after = audit.coverage()
        if point is None:
            self.stdout.write(
                f"尚无签名检查点：{after} 行都未被签名覆盖（运行 shuangsui audit checkpoint）。"
            )
            return
        at = timezone.localtime(point.at).strftime("%Y-%m-%d %H:%M:%S")
        self.stdout.write(
            f"签名覆盖至 {at}（检查点 #{point.pk}，第 {point.event_id} 行）；"
            f"其后 {after} 行尚未签名覆盖。"
        )
        if timezone.now() - point.at > audit.CHECKPOINT_STALE and after:
            self.stdout.write(
                self.style.WARNING("最近的检查点已超过一天：请确认每日检查点任务在运行。")
            )

from django.apps import AppConfig


class NoopConfig(AppConfig):
    name = "bench.noop"
    label = "bench_noop"

    def ready(self) -> None:
        from bench.noop import handlers  # noqa: F401

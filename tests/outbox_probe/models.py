from django.db import models


class Effect(models.Model):
    """What a probe handler did: one row per successful handling."""

    handler = models.CharField(max_length=100)
    aggregate = models.CharField(max_length=50)
    sequence = models.BigIntegerField()
    n = models.IntegerField()
    pid = models.IntegerField()

    def __str__(self) -> str:
        return f"{self.handler} {self.aggregate}#{self.n}"


class Fault(models.Model):
    """Makes ``handler`` misbehave on events of ``aggregate`` (blank: every aggregate).

    ``raise``: fail after writing the effect (the savepoint must undo it).
    ``block``: write the effect, leave ``<directory>/started-<sequence>``, then wait until
    ``<directory>/release`` exists.
    """

    handler = models.CharField(max_length=100)
    aggregate = models.CharField(max_length=50, blank=True)
    mode = models.CharField(max_length=10, choices=[("raise", "raise"), ("block", "block")])
    directory = models.CharField(max_length=300, blank=True)

    def __str__(self) -> str:
        return f"{self.mode} in {self.handler}"

from django.contrib.auth.models import AbstractUser


class User(AbstractUser):
    """newsreview's user. Project roles live on `projects.Membership`."""

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        ordering = ["username"]

    def __str__(self) -> str:
        return self.username

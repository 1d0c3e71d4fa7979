import factory

from glossary.models import DictionaryEntry

SEED_ROWS = [
    ("veneers", "veneers", "prosthetics"),
    ("implane", "implant", "surgical"),
    ("endodontik", "endodontic", "root-canal"),
    ("periodontol", "periodontal", "gum-disease"),
    ("ceramic crown", "ceramic crown", "restorative"),
    ("ortho-dontic", "orthodontic", "orthodontics"),
]


class DictionaryEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DictionaryEntry

    term_original = factory.Sequence(lambda n: f"term{n}")
    term_corrected = factory.LazyAttribute(lambda e: e.term_original)
    language_code = "en"
    context = None
    created_by = factory.LazyFunction(lambda: _system_user())


def _system_user():
    from accounts.models import User

    return User.objects.system_user()


def seed_entries(user):
    """The seed's example rows, created through the service as an editor would."""
    from glossary.services import entry_create

    return [
        entry_create(user=user, term_original=original, term_corrected=corrected, context=context)
        for original, corrected, context in SEED_ROWS
    ]

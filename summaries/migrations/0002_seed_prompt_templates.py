from django.db import migrations

# The seed's text; its SQL indentation and trailing spaces are dropped.
TEMPLATES = {
    "email_summary": """Summarize the following dental education content as a professional email.
Keep it to 2-3 sentences. Tone: professional and informative.
Include a call-to-action if appropriate.

Content: {transcription_text}""",
    "linkedin_summary": """Create a LinkedIn post highlighting the key insight from this content.
Maximum 150 characters. Tone: engaging and thought-provoking.
Include relevant hashtags (#dentaleducation, #dentistry, etc.).

Content: {transcription_text}""",
    "blog_summary": """Write a blog post excerpt (300-500 words) expanding on the key topics.
Tone: educational and conversational. Structure with headers and bullet points.
Make it suitable for a general dental audience.

Content: {transcription_text}""",
}


def seed(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    PromptTemplate = apps.get_model("summaries", "PromptTemplate")
    PromptVersion = apps.get_model("summaries", "PromptVersion")
    system = User.objects.get(email="system@max.invalid")
    for name, content in TEMPLATES.items():
        template, _ = PromptTemplate.objects.get_or_create(
            template_name=name,
            defaults={
                "template_content": content,
                "version_number": 1,
                "created_by": system,
            },
        )
        PromptVersion.objects.get_or_create(
            template=template,
            version_number=1,
            defaults={
                "template_content": content,
                "changed_by": system,
                "change_notes": "Initial template from the seed.",
            },
        )


class Migration(migrations.Migration):
    dependencies = [("summaries", "0001_initial"), ("accounts", "0002_system_user")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]

import json
import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from jobs.models import Job
from summaries.models import FeedbackLog, GeneratedSummary, PromptTemplate
from summaries.services.drafts import _feedback_examples
from summaries.services.editing import summary_finalize, summary_save_edit
from summaries.services.generation import summary_generate_request
from summaries.services.templates import prompt_template_update
from summaries.tests.test_generate import new_transcription

pytestmark = pytest.mark.django_db

LONG_LINKEDIN = "A LinkedIn post that is definitely far too long. " * 4
EMAIL_FOUR = "One sentence. Two sentences. Three sentences. Four sentences."


def page_url(transcription):
    return reverse("summaries:transcript", args=[transcription.pk])


def text_of(response) -> str:
    return response.content.decode()


@pytest.fixture
def three(final_transcription):
    made = {}
    for summary_type, text in (
        ("email", EMAIL_FOUR),
        ("linkedin", LONG_LINKEDIN.strip()),
        ("blog", "A short blog <b>draft</b>."),
    ):
        made[summary_type] = GeneratedSummary.objects.create(
            transcription=final_transcription,
            summary_type=summary_type,
            generated_text=text,
            prompt_version=PromptTemplate.objects.get(
                template_name=f"{summary_type}_summary"
            ).versions.get(version_number=1),
        )
    return made


# --- The summary page -----------------------------------------------------------------------


def test_summary_page_shows_the_three_texts_with_warnings(
    editor_client, final_transcription, three, django_assert_max_num_queries
):
    with django_assert_max_num_queries(8):
        response = editor_client.get(page_url(final_transcription))
    assert response.status_code == 200
    html = text_of(response)
    for label in ("Email", "LinkedIn", "Blog"):
        assert f">{label}" in html
    assert "written from the final transcript <strong>H-1</strong>" in html
    length = len(LONG_LINKEDIN.strip())
    assert f"The LinkedIn post is {length} characters long; it should be at most 150." in html
    assert "The blog excerpt has 4 words; it should have 300–500." in html
    assert "The email has 4 sentences; it should have at most 3." in html
    # The draft is shown as text, escaped, not in an editable field.
    assert "A short blog &lt;b&gt;draft&lt;/b&gt;." in html
    assert "<textarea" not in html
    assert html.count(">Edit</a>") == 3
    assert "from email_summary v1" in html


def test_query_count_does_not_grow_with_feedback_examples_and_jobs(
    editor_client, final_transcription, three, editor, django_assert_max_num_queries
):
    other = new_transcription(final_transcription.audio_file.project, editor, "o.mp3")
    for summary_type in ("email", "linkedin", "blog"):
        old = GeneratedSummary.objects.create(
            transcription=other, summary_type=summary_type, generated_text="Draft."
        )
        feedback = summary_finalize(
            summary=old, user=editor, based_on=old.edit_token, text="Edited."
        )
        three[summary_type].feedback_examples.add(feedback)
    # A queued job (its task never runs here) is shown on the page too.
    summary_generate_request(
        transcription=final_transcription, summary_types=["email"], user=editor
    )
    with django_assert_max_num_queries(8):
        response = editor_client.get(page_url(final_transcription))
    assert text_of(response).count("Shaped by 1 earlier editor correction.") == 3


def test_summary_page_without_a_final_transcript_explains_and_offers_no_generate(
    editor_client, transcription
):
    html = text_of(editor_client.get(page_url(transcription)))
    assert "has no final version yet" in html
    assert "Generate" not in html


def test_generate_all_missing_from_the_page(
    editor_client, final_transcription, claude, django_capture_on_commit_callbacks
):
    claude.reply = lambda system, prompt: "Drafted."
    html = text_of(editor_client.get(page_url(final_transcription)))
    assert "Generate Email, LinkedIn, Blog" in html
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(
            reverse("summaries:generate", args=[final_transcription.pk]), {"summary_type": "all"}
        )
    assert response.status_code == 302
    html = text_of(editor_client.get(response.url))
    assert "Writing Email, LinkedIn, Blog." in html
    assert GeneratedSummary.objects.filter(transcription=final_transcription).count() == 3
    job = Job.objects.get(kind="summarize")
    assert job.status == Job.Status.SUCCEEDED
    # The job's fragment is on the page, as on every other page with jobs.
    assert f'id="job-{job.pk}"' in html and 'data-job-status="succeeded"' in html


def test_generating_without_a_final_transcript_shows_a_clear_message(editor_client, transcription):
    response = editor_client.post(
        reverse("summaries:generate", args=[transcription.pk]),
        {"summary_type": "email"},
        follow=True,
    )
    assert "Finalize it in the editor first" in text_of(response)
    assert not Job.objects.exists()


def test_a_failed_job_shows_its_error_and_retry(
    editor_client, final_transcription, claude, django_capture_on_commit_callbacks
):
    claude.reply = lambda system, prompt: ""
    with django_capture_on_commit_callbacks(execute=True):
        editor_client.post(
            reverse("summaries:generate", args=[final_transcription.pk]), {"summary_type": "email"}
        )
    html = text_of(editor_client.get(page_url(final_transcription)))
    assert "gave no usable Email text (Anthropic sent an empty reply" in html
    assert "Nothing was saved" in html
    assert ">Retry</button>" in html


def test_regenerating_an_edited_text_needs_the_checkbox(
    editor_client, final_transcription, three, editor
):
    email = three["email"]
    summary_save_edit(summary=email, text="Mine.", user=editor, based_on=email.edit_token)
    html = text_of(editor_client.get(page_url(final_transcription)))
    assert 'name="replace_edits"' in html
    response = editor_client.post(
        reverse("summaries:generate", args=[final_transcription.pk]),
        {"summary_type": "email"},
        follow=True,
    )
    assert "Tick “Replace my edits”" in text_of(response)
    assert not Job.objects.exists()


def test_edit_then_finalize_through_the_pages(editor_client, three, editor):
    linkedin = three["linkedin"]
    edit_url = reverse("summaries:edit", args=[linkedin.pk])
    html = text_of(editor_client.get(edit_url))
    assert "<textarea" in html and linkedin.edit_token in html
    response = editor_client.post(
        edit_url,
        {"text": "Short post. #dentistry", "based_on": linkedin.edit_token, "action": "save"},
        follow=True,
    )
    assert "LinkedIn text saved." in text_of(response)
    linkedin.refresh_from_db()
    assert linkedin.user_edited_text == "Short post. #dentistry" and linkedin.finalized_at is None
    html = text_of(response)
    assert "The LinkedIn post is" not in html  # the warning is gone for the edited text
    response = editor_client.post(
        reverse("summaries:finalize", args=[linkedin.pk]),
        {"based_on": linkedin.edit_token},
        follow=True,
    )
    assert "LinkedIn text finalized." in text_of(response)
    linkedin.refresh_from_db()
    assert linkedin.finalized_at is not None and linkedin.edited_by == editor
    assert FeedbackLog.objects.get(summary=linkedin).user_edited_text == "Short post. #dentistry"
    html = text_of(editor_client.get(page_url(linkedin.transcription)))
    assert "Finalized texts are never replaced." in html
    # No Edit/Regenerate left for it.
    assert html.count(">Edit</a>") == 2
    assert editor_client.get(edit_url).status_code == 302


def test_finalize_from_the_edit_page_with_new_text(editor_client, three):
    blog = three["blog"]
    response = editor_client.post(
        reverse("summaries:edit", args=[blog.pk]),
        # Two words fail the blog's 300–500 words check: the editor confirms finalizing anyway.
        {
            "text": "Final blog.",
            "based_on": blog.edit_token,
            "action": "finalize",
            "accept_warnings": "on",
        },
    )
    assert response.status_code == 302
    blog.refresh_from_db()
    assert blog.is_finalized and blog.user_edited_text == "Final blog."


def test_a_stale_edit_keeps_the_editors_text_and_explains(editor_client, three, other_editor):
    email = three["email"]
    stale = email.edit_token
    summary_save_edit(summary=email, text="Someone else's text.", user=other_editor, based_on=stale)
    response = editor_client.post(
        reverse("summaries:edit", args=[email.pk]),
        {"text": "My own text.", "based_on": stale, "action": "save"},
    )
    assert response.status_code == 200
    html = text_of(response)
    assert "changed while you were editing" in html
    assert "My own text." in html
    email.refresh_from_db()
    assert email.user_edited_text == "Someone else's text."
    # The form now carries the current token, so saving again (deliberately) works.
    token = re.search(r'name="based_on" value="([^"]+)"', html).group(1)
    assert token == email.edit_token


def test_posts_need_a_csrf_token(editor, three):
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    response = client.post(
        reverse("summaries:finalize", args=[three["email"].pk]),
        {"based_on": three["email"].edit_token},
    )
    assert response.status_code == 403
    three["email"].refresh_from_db()
    assert three["email"].finalized_at is None


# --- Feedback dashboard -------------------------------------------------------------------


def finalized(transcription, editor, summary_type, draft, final, version):
    summary = GeneratedSummary.objects.create(
        transcription=transcription,
        summary_type=summary_type,
        generated_text=draft,
        prompt_version=version,
    )
    return summary_finalize(summary=summary, user=editor, based_on=summary.edit_token, text=final)


@pytest.fixture
def feedback_data(project, editor):
    template = PromptTemplate.objects.get(template_name="email_summary")
    v1 = template.versions.get(version_number=1)
    template = prompt_template_update(
        template=template, content="Better: {transcription_text}", user=editor
    )
    v2 = template.versions.get(version_number=2)
    t = [new_transcription(project, editor, f"rec-{i}.mp3") for i in range(6)]
    entries = [
        # v1: both edited, both swap "utilize" → "use".
        finalized(t[0], editor, "email", "We utilize files.", "We use files.", v1),
        finalized(
            t[1],
            editor,
            "email",
            "Utilize it. We utilize rotary.",
            "Utilize it. We use rotary.",
            v1,
        ),
        # v2: one accepted unchanged, one lightly edited.
        finalized(t[2], editor, "email", "Good draft.", "Good draft.", v2),
        finalized(t[3], editor, "email", "Nearly right.", "Nearly right!", v2),
        finalized(t[4], editor, "linkedin", "Post #dentistry", "Post! #dentistry", None),
    ]
    # Older than 30 days: outside the dashboard's window (the seed query's too).
    old = finalized(t[5], editor, "email", "Old draft.", "Old edit.", v1)
    GeneratedSummary.objects.filter(pk=old.summary_id).update(
        created_at=timezone.now() - timedelta(days=31)
    )
    # Tone/structure as the analysis job would have written them.
    for entry, tone in ((entries[0], "simpler wording"), (entries[1], "Simpler  wording")):
        analysis = entry.analysis
        analysis["tone_changes"] = [tone]
        FeedbackLog.objects.filter(pk=entry.pk).update(diff_analysis=json.dumps(analysis))
    return {"v1": v1, "v2": v2, "entries": entries, "old": old}


def test_dashboard_breaks_the_seed_numbers_down_by_prompt_version(
    admin_client_, feedback_data, django_assert_max_num_queries
):
    with django_assert_max_num_queries(6):
        response = admin_client_.get(reverse("summaries:feedback"))
    html = text_of(response)
    email = html[html.index('id="type-email"') : html.index('id="type-linkedin"')]
    # The seed query's row: 4 finalized in the window, 3 edited.
    totals = re.search(r'aria-label="Email totals">.*?<tbody><tr>(.*?)</tr>', email, re.S).group(1)
    assert re.findall(r'class="num">([^<]*)<', totals)[:2] == ["4", "3 (75\xa0%)"]
    versions = email[email.index("By prompt version") :]
    rows = re.findall(
        r"<td>(email_summary v\d)</td>\s*"
        r'<td class="num">(\d+)</td>\s*<td class="num">(\d+) \((\d+)\xa0%\)',
        versions,
    )
    assert rows == [("email_summary v2", "2", "1", "50"), ("email_summary v1", "2", "2", "100")]
    assert "“utilize” → “use” ×2" in email
    assert "simpler wording ×2" in email
    v1 = feedback_data["v1"]
    assert f"?type=email&amp;version={v1.pk}" in email
    assert reverse("summaries:feedback_detail", args=[feedback_data["entries"][0].pk]) in html


def test_dashboard_query_count_does_not_grow_with_entries(
    admin_client_, feedback_data, project, editor, django_assert_max_num_queries
):
    for i in range(10):
        finalized(
            new_transcription(project, editor, f"more-{i}.mp3"),
            editor,
            "blog",
            "Draft words here.",
            "Edited words here.",
            feedback_data["v1"],
        )
    with django_assert_max_num_queries(6):
        admin_client_.get(reverse("summaries:feedback"))


def test_feedback_list_filters_by_version_and_links_entries(
    editor_client, feedback_data, django_assert_max_num_queries
):
    v2 = feedback_data["v2"]
    with django_assert_max_num_queries(5):
        response = editor_client.get(
            reverse("summaries:feedback_list"), {"type": "email", "version": str(v2.pk)}
        )
    html = text_of(response)
    assert "for email_summary v2" in html
    assert html.count(">Details</a>") == 2
    assert "accepted as is" in html


def test_feedback_detail_shows_the_diff_and_analysis(editor_client, feedback_data):
    entry = feedback_data["entries"][0]
    html = text_of(editor_client.get(reverse("summaries:feedback_detail", args=[entry.pk])))
    assert "<del>utilize</del>" in html and "<ins>use</ins>" in html
    assert "simpler wording" in html
    assert "17 → 13 characters (24\xa0% shorter)" in html
    assert "email_summary v1" in html


def test_one_figure_per_measure_with_its_unit_on_the_dashboard(admin_client_, project, editor):
    """An editor tripled a draft: the dashboard used to say "-200.0" (characters, generated
    minus edited) in one table and "200.0%" in the next for the same change."""
    version = PromptTemplate.objects.get(template_name="email_summary").versions.get(
        version_number=1
    )
    draft = "Short draft." * 10  # 120 characters; tripled it is 200 % longer
    finalized(
        new_transcription(project, editor, "a.mp3"), editor, "email", draft, draft * 3, version
    )
    finalized(new_transcription(project, editor, "b.mp3"), editor, "email", draft, draft, version)
    html = text_of(admin_client_.get(reverse("summaries:feedback")))
    email = html[html.index('id="type-email"') : html.index('id="type-linkedin"')]
    totals = re.search(r'aria-label="Email totals">.*?<tbody><tr>(.*?)</tr>', email, re.S).group(1)
    by_version = email[email.index("By prompt version") :]
    # The same measure, written the same way, with its unit and direction, in both tables.
    assert re.findall(r'class="num">([^<]*)<', totals) == [
        "2",
        "1 (50\xa0%)",
        "200\xa0% longer",
        "0.5",
    ]
    assert "200\xa0% longer" in by_version
    assert "-240" not in email and "-200" not in email and "200.0" not in email
    entries = text_of(admin_client_.get(reverse("summaries:feedback_list")))
    assert "200\xa0% longer" in entries and "same length" in entries


def test_a_text_written_over_an_offline_stand_in_is_no_feedback_on_a_prompt(
    admin_client_, feedback_data, project, editor, settings
):
    # Without a language model (make run) every finalized text replaces the offline stand-in:
    # counted, it made "email_summary v1" look edited every time, and it became a prompt example.
    stand_in = GeneratedSummary.objects.create(
        transcription=new_transcription(project, editor, "offline.mp3"),
        summary_type="email",
        generated_text="[Offline draft: no language model configured] Welcome to the lecture.",
        prompt_version=feedback_data["v1"],
        engine="offline",
        is_placeholder=True,
    )
    summary_finalize(
        summary=stand_in,
        user=editor,
        based_on=stand_in.edit_token,
        text="Join Dr. Soto's endodontics lecture on Thursday.",
    )
    html = text_of(admin_client_.get(reverse("summaries:feedback")))
    email = html[html.index('id="type-email"') : html.index('id="type-linkedin"')]
    totals = re.search(r'aria-label="Email totals">.*?<tbody><tr>(.*?)</tr>', email, re.S).group(1)
    assert re.findall(r'class="num">([^<]*)<', totals)[:2] == ["4", "3 (75\xa0%)"]
    assert re.search(r'<td>email_summary v1</td>\s*<td class="num">2</td>', email)
    assert "offline.mp3" not in html  # nor among the latest entries
    assert "offline.mp3" not in text_of(admin_client_.get(reverse("summaries:feedback_list")))
    settings.SUMMARY_FEEDBACK_EXAMPLES, settings.SUMMARY_FEEDBACK_EXAMPLE_COUNT = True, 10
    examples = _feedback_examples("email", budget=10**6)
    assert examples and stand_in not in [e.summary for e in examples]

import pytest
from celery import current_app
from django.core.exceptions import ValidationError

from accounts.models import Activity
from integrations.tests.llm_fakes import error, refusal
from jobs.models import Job
from summaries.models import FeedbackLog, GeneratedSummary, PromptTemplate
from summaries.services.editing import summary_finalize, summary_save_edit
from summaries.services.feedback import ANALYSE_TASK
from summaries.services.generation import GENERATE_TASK, summary_generate_request
from summaries.services.templates import prompt_template_update
from summaries.tests.conftest import FINAL_TEXT, make_final
from transcripts.models import TranscriptionVersion

pytestmark = pytest.mark.django_db

ALL = ["email", "linkedin", "blog"]


def generate(transcription, user, capture, types=ALL, **kwargs):
    with capture(execute=True):
        job = summary_generate_request(
            transcription=transcription, summary_types=types, user=user, **kwargs
        )
    job.refresh_from_db()
    return job


def by_type(transcription):
    return {s.summary_type: s for s in GeneratedSummary.objects.filter(transcription=transcription)}


def test_summary_tasks_go_to_the_summaries_queue():
    route = current_app.amqp.router.route({}, GENERATE_TASK)
    assert route["queue"].name == "summaries"
    assert current_app.amqp.router.route({}, ANALYSE_TASK)["queue"].name == "summaries"


def test_generates_three_texts_from_the_final_transcript_with_the_latest_template(
    final_transcription, editor, claude, django_capture_on_commit_callbacks
):
    claude.reply = lambda system, prompt: f"Draft for: {prompt[:30]}"
    email = PromptTemplate.objects.get(template_name="email_summary")
    prompt_template_update(
        template=email,
        content="Two sentences, JSON-free: no {{braces}}.\nContent: {transcription_text}",
        user=editor,
        change_notes="shorter",
    )
    # A later unfinalized edit must not be summarised: only the final version counts.
    TranscriptionVersion.objects.create(
        transcription=final_transcription,
        version_number=2,
        version_type="H-2",
        edited_text="Work in progress, not final.",
        edited_by=editor,
    )

    job = generate(final_transcription, editor, django_capture_on_commit_callbacks)

    assert job.kind == "summarize" and job.task_name == "summaries.tasks.generate_summary"
    assert job.target == final_transcription
    assert job.status == Job.Status.SUCCEEDED, job.error
    summaries = by_type(final_transcription)
    assert set(summaries) == set(ALL)
    assert len(claude.calls) == 3
    email_prompt = next(c for c in claude.calls if c["prompt"].startswith("Two sentences"))
    assert (
        email_prompt["prompt"] == f"Two sentences, JSON-free: no {{braces}}.\nContent: {FINAL_TEXT}"
    )
    assert "Dr. Soto" in email_prompt["system"]
    assert all("Work in progress" not in c["prompt"] for c in claude.calls)
    assert all("Machine text" not in c["prompt"] for c in claude.calls)
    assert summaries["email"].prompt_version == email.versions.get(version_number=2)
    blog = PromptTemplate.objects.get(template_name="blog_summary")
    assert summaries["blog"].prompt_version == blog.versions.get(version_number=1)
    assert summaries["email"].generated_text.startswith("Draft for: Two sentences")
    assert summaries["email"].user_edited_text is None and summaries["email"].finalized_at is None
    assert job.result["summaries"]["email"]["strategy"] == "whole transcript"
    assert job.result["summaries"]["email"]["prompt_version_number"] == 2
    assert job.result["final_version"] == "H-1"
    actions = list(
        Activity.objects.filter(action="summary.generate").values_list("actor", flat=True)
    )
    assert actions == [editor.pk] * 3


def test_the_offline_engine_writes_labelled_drafts(
    transcription, editor, django_capture_on_commit_callbacks
):
    make_final(transcription, " ".join([FINAL_TEXT] * 4), editor)
    job = generate(transcription, editor, django_capture_on_commit_callbacks, ["linkedin"])
    assert job.status == Job.Status.SUCCEEDED, job.error
    text = by_type(transcription)["linkedin"].generated_text
    assert text.startswith("[Offline draft")
    assert "endodontics" in text


def test_generating_without_a_final_transcript_is_refused(transcription, editor):
    with pytest.raises(ValidationError, match="no final version yet"):
        summary_generate_request(transcription=transcription, summary_types=ALL, user=editor)
    assert not Job.objects.exists() and not GeneratedSummary.objects.exists()


def test_a_job_whose_final_version_went_away_fails_clearly(
    final_transcription, editor, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = summary_generate_request(
            transcription=final_transcription, summary_types=["email"], user=editor
        )
    final_transcription.final_version = None
    final_transcription.save(update_fields=["final_version"])
    for callback in callbacks:
        callback()
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert "no final version any more" in job.error
    assert not GeneratedSummary.objects.exists()


def test_unknown_types_are_refused(final_transcription, editor):
    with pytest.raises(ValidationError, match="Unknown summary type"):
        summary_generate_request(
            transcription=final_transcription, summary_types=["tweet"], user=editor
        )


@pytest.mark.parametrize(
    ("reply", "message"),
    [
        ("   ", "gave no usable Email text (Anthropic sent an empty reply"),
        (refusal(), "gave no usable Email text (Anthropic declined to answer this request"),
    ],
)
def test_an_empty_or_refused_reply_fails_the_job_and_saves_nothing(
    final_transcription, editor, claude, django_capture_on_commit_callbacks, reply, message
):
    claude.reply = lambda system, prompt: reply
    job = generate(final_transcription, editor, django_capture_on_commit_callbacks, ["email"])
    assert job.status == Job.Status.FAILED
    assert message in job.error and "Nothing was saved" in job.error
    assert job.can_retry
    assert not GeneratedSummary.objects.exists()


def test_a_transient_fault_is_retried(
    final_transcription, editor, claude, django_capture_on_commit_callbacks
):
    answers = [error(529, "Overloaded", headers={"retry-after": "0"}), "Fine."]
    claude.reply = lambda system, prompt: answers.pop(0)
    job = generate(final_transcription, editor, django_capture_on_commit_callbacks, ["email"])
    assert job.status == Job.Status.SUCCEEDED and job.attempts == 2
    assert len(claude.calls) == 2
    assert by_type(final_transcription)["email"].generated_text == "Fine."


def test_a_template_without_the_placeholder_fails_with_a_clear_message(
    final_transcription, editor, claude, django_capture_on_commit_callbacks
):
    template = PromptTemplate.objects.get(template_name="blog_summary")
    # Someone bypassed the service (raw SQL); generation must still refuse it clearly.
    template.versions.filter(version_number=1).update(template_content="Write a blog post.")
    job = generate(final_transcription, editor, django_capture_on_commit_callbacks, ["blog"])
    assert job.status == Job.Status.FAILED
    assert "The blog_summary template can't be used" in job.error
    assert "must contain {transcription_text}" in job.error


def test_a_second_request_while_one_runs_is_refused(final_transcription, editor):
    summary_generate_request(
        transcription=final_transcription, summary_types=["email"], user=editor
    )  # queued; its on_commit never runs in this test
    with pytest.raises(ValidationError, match="already being written"):
        summary_generate_request(
            transcription=final_transcription, summary_types=["blog"], user=editor
        )
    assert Job.objects.count() == 1


# --- Long transcripts -----------------------------------------------------------------------


def test_a_transcript_longer_than_the_budget_is_summarised_in_pieces_then_combined(
    transcription, editor, claude, django_capture_on_commit_callbacks
):
    lines = [
        f"Segment {i:03d}: the speaker discusses case number {i} in detail." for i in range(120)
    ]
    make_final(transcription, "\n".join(lines), editor)

    def reply(system, prompt):
        if prompt.startswith("Part "):
            seen = [line[:11] for line in prompt.splitlines() if line.startswith("Segment")]
            return f"notes on {seen[0]}..{seen[-1]}"
        return "The combined email."

    claude.reply = reply
    claude.limit_input(2500)
    job = generate(transcription, editor, django_capture_on_commit_callbacks, ["email"])

    assert job.status == Job.Status.SUCCEEDED, job.error
    note_calls = [c for c in claude.calls if c["prompt"].startswith("Part ")]
    final_call = claude.calls[-1]
    assert len(note_calls) >= 3
    # Every prompt stays within the budget, and every segment went into exactly one piece.
    assert all(len(c["system"]) + len(c["prompt"]) <= 2500 for c in claude.calls)
    sent = [line for c in note_calls for line in c["prompt"].splitlines() if line.startswith("Seg")]
    assert sent == lines
    # The template is filled with the notes, not with (part of) the transcript.
    assert "notes on Segment 000" in final_call["prompt"]
    assert "Segment 119" in final_call["prompt"] and "in detail" not in final_call["prompt"]
    assert f"its {len(note_calls)} parts" in final_call["system"]
    info = job.result["summaries"]["email"]
    assert info["strategy"] == "pieces then combined"
    assert info["pieces"] == len(note_calls)
    assert info["transcript_chars"] == len("\n".join(lines))
    assert by_type(transcription)["email"].generated_text == "The combined email."


def test_notes_that_are_still_too_long_are_condensed_again(
    transcription, editor, claude, django_capture_on_commit_callbacks
):
    make_final(transcription, "\n".join(f"Line {i} " + "x" * 60 for i in range(200)), editor)

    def reply(system, prompt):
        if prompt.startswith("Part "):
            # Notes of the transcript are long; notes of notes are short.
            return "short" if "[Part" in prompt else "n" * 600
        return "Blog text."

    claude.reply = reply
    claude.limit_input(3000)
    job = generate(transcription, editor, django_capture_on_commit_callbacks, ["blog"])
    assert job.status == Job.Status.SUCCEEDED, job.error
    assert job.result["summaries"]["blog"]["condense_rounds"] >= 1
    assert all(len(c["system"]) + len(c["prompt"]) <= 3000 for c in claude.calls)


def test_notes_that_never_shrink_fail_instead_of_being_cut(
    transcription, editor, claude, django_capture_on_commit_callbacks
):
    make_final(transcription, "\n".join("y" * 70 for _ in range(100)), editor)
    claude.reply = lambda system, prompt: "z" * 2000
    claude.limit_input(3000)
    job = generate(transcription, editor, django_capture_on_commit_callbacks, ["blog"])
    assert job.status == Job.Status.FAILED
    assert "too long to summarise" in job.error
    assert not GeneratedSummary.objects.exists()


# --- Regenerating never destroys human work ----------------------------------------------


def test_regenerating_an_unedited_draft_replaces_it_and_logs_the_old_text(
    final_transcription, editor, claude, django_capture_on_commit_callbacks
):
    answers = iter(["First draft.", "Second draft."])
    claude.reply = lambda system, prompt: next(answers)
    generate(final_transcription, editor, django_capture_on_commit_callbacks, ["email"])
    first = by_type(final_transcription)["email"]
    generate(final_transcription, editor, django_capture_on_commit_callbacks, ["email"])
    second = by_type(final_transcription)["email"]
    assert second.pk == first.pk and second.generated_text == "Second draft."
    entry = Activity.objects.get(action="summary.regenerate")
    assert entry.details["previous"]["generated_text"] == "First draft."


def test_an_edited_text_is_only_replaced_with_explicit_confirmation(
    final_transcription, editor, claude, django_capture_on_commit_callbacks
):
    answers = iter(["First draft.", "Second draft."])
    claude.reply = lambda system, prompt: next(answers)
    generate(final_transcription, editor, django_capture_on_commit_callbacks, ["email"])
    summary = by_type(final_transcription)["email"]
    summary_save_edit(
        summary=summary, text="My careful edit.", user=editor, based_on=summary.edit_token
    )

    with pytest.raises(ValidationError, match="Replace my edits"):
        summary_generate_request(
            transcription=final_transcription, summary_types=["email"], user=editor
        )
    assert by_type(final_transcription)["email"].user_edited_text == "My careful edit."

    job = generate(
        final_transcription,
        editor,
        django_capture_on_commit_callbacks,
        ["email"],
        replace_edits=True,
    )
    assert job.status == Job.Status.SUCCEEDED, job.error
    summary = by_type(final_transcription)["email"]
    assert summary.generated_text == "Second draft." and summary.user_edited_text is None
    previous = Activity.objects.get(action="summary.regenerate").details["previous"]
    assert previous["user_edited_text"] == "My careful edit."
    assert previous["generated_text"] == "First draft."


def test_a_finalized_text_is_never_regenerated(
    final_transcription, editor, claude, django_capture_on_commit_callbacks
):
    claude.reply = lambda system, prompt: "Draft."
    generate(final_transcription, editor, django_capture_on_commit_callbacks, ["linkedin"])
    summary = by_type(final_transcription)["linkedin"]
    summary_finalize(summary=summary, user=editor, based_on=summary.edit_token)
    for replace in (False, True):
        with pytest.raises(ValidationError, match="finalized texts are never replaced"):
            summary_generate_request(
                transcription=final_transcription,
                summary_types=["linkedin"],
                user=editor,
                replace_edits=replace,
            )


def test_edits_made_while_the_job_waited_are_kept(
    final_transcription, editor, other_editor, claude, django_capture_on_commit_callbacks
):
    answers = iter(["First draft.", "Second draft."])
    claude.reply = lambda system, prompt: next(answers)
    generate(final_transcription, editor, django_capture_on_commit_callbacks, ["email"])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = summary_generate_request(
            transcription=final_transcription, summary_types=["email"], user=editor
        )
    summary = by_type(final_transcription)["email"]
    summary_save_edit(
        summary=summary,
        text="Edited meanwhile.",
        user=other_editor,
        based_on=summary.edit_token,
    )
    for callback in callbacks:
        callback()
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert "was edited while it was being written; the edits were kept" in job.error
    assert by_type(final_transcription)["email"].user_edited_text == "Edited meanwhile."


def test_a_retry_does_not_rewrite_texts_the_job_already_wrote(
    final_transcription, editor, claude, django_capture_on_commit_callbacks
):
    def reply(system, prompt):
        return "" if "blog post excerpt" in prompt else "Good text."

    claude.reply = reply
    job = generate(final_transcription, editor, django_capture_on_commit_callbacks, ALL)
    assert job.status == Job.Status.FAILED and "no usable Blog text" in job.error
    written = by_type(final_transcription)
    assert set(written) == {"email", "linkedin"}

    claude.reply = lambda system, prompt: "Blog text now."
    calls_before = len(claude.calls)
    from jobs.services import job_retry

    with django_capture_on_commit_callbacks(execute=True):
        job_retry(job=job)
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED, job.error
    assert len(claude.calls) == calls_before + 1  # only the blog
    after = by_type(final_transcription)
    assert after["email"].generated_at == written["email"].generated_at
    assert after["blog"].generated_text == "Blog text now."


# --- Editors' corrections shape the next drafts ------------------------------------------


def _finalized_feedback(transcription, editor, summary_type, draft, final):
    summary = GeneratedSummary.objects.create(
        transcription=transcription, summary_type=summary_type, generated_text=draft
    )
    return summary_finalize(summary=summary, user=editor, based_on=summary.edit_token, text=final)


def new_transcription(project, editor, name):
    from media_files.models import AudioFile
    from transcripts.models import Transcription

    audio = AudioFile.objects.create(
        project=project, file_name=name, file_path=f"audio/lecture/{name}", uploaded_by=editor
    )
    return Transcription.objects.create(
        audio_file=audio, raw_text="x", json_with_timestamps={"segments": []}, created_by=editor
    )


@pytest.fixture
def other_transcription(project, editor):
    return new_transcription(project, editor, "older.mp3")


def test_recent_human_edits_of_the_same_type_go_into_the_prompt_and_are_recorded(
    final_transcription, other_transcription, editor, claude, django_capture_on_commit_callbacks
):
    linkedin_edit = _finalized_feedback(
        other_transcription,
        editor,
        "linkedin",
        "Utilize our webinar!",
        "Use our webinar! #dentistry",
    )
    _finalized_feedback(other_transcription, editor, "email", "Email draft.", "Email draft.")
    claude.reply = lambda system, prompt: "New post."

    generate(final_transcription, editor, django_capture_on_commit_callbacks, ["linkedin", "email"])

    linkedin_call, email_call = claude.calls[1], claude.calls[0]
    assert "Editors corrected earlier AI drafts" in linkedin_call["system"]
    assert "Utilize our webinar!" in linkedin_call["system"]
    assert "Use our webinar! #dentistry" in linkedin_call["system"]
    # An email accepted unchanged teaches nothing, and LinkedIn examples stay out of emails.
    assert "Editors corrected" not in email_call["system"]
    summaries = by_type(final_transcription)
    assert list(summaries["linkedin"].feedback_examples.all()) == [linkedin_edit]
    assert not summaries["email"].feedback_examples.exists()


def test_at_most_the_configured_number_of_latest_examples_is_used(
    final_transcription, project, editor, claude, settings, django_capture_on_commit_callbacks
):
    settings.SUMMARY_FEEDBACK_EXAMPLE_COUNT = 2
    made = [
        _finalized_feedback(
            new_transcription(project, editor, f"t{i}.mp3"),
            editor,
            "blog",
            f"Draft {i}.",
            f"Edited {i}.",
        )
        for i in range(3)
    ]
    claude.reply = lambda system, prompt: "Blog."
    generate(final_transcription, editor, django_capture_on_commit_callbacks, ["blog"])
    system = claude.calls[0]["system"]
    assert "Edited 2." in system and "Edited 1." in system and "Edited 0." not in system
    blog = by_type(final_transcription)["blog"]
    assert set(blog.feedback_examples.all()) == {made[2], made[1]}


def test_examples_can_be_switched_off(
    final_transcription,
    other_transcription,
    editor,
    claude,
    settings,
    django_capture_on_commit_callbacks,
):
    settings.SUMMARY_FEEDBACK_EXAMPLES = False
    _finalized_feedback(other_transcription, editor, "email", "Old.", "New.")
    claude.reply = lambda system, prompt: "Mail."
    generate(final_transcription, editor, django_capture_on_commit_callbacks, ["email"])
    assert "Editors corrected" not in claude.calls[0]["system"]
    assert not by_type(final_transcription)["email"].feedback_examples.exists()
    assert FeedbackLog.objects.count() == 1


def test_a_job_queued_directly_with_one_summary_type_works(
    final_transcription, editor, claude, django_capture_on_commit_callbacks
):
    """Other apps may queue the task themselves with the single-type params shape."""
    from jobs.services import job_create

    claude.reply = lambda system, prompt: "Post."
    with django_capture_on_commit_callbacks(execute=True):
        job = job_create(
            kind="summarize",
            task_name="summaries.tasks.generate_summary",
            target=final_transcription,
            user=editor,
            params={"summary_type": "linkedin"},
        )
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED, job.error
    assert set(by_type(final_transcription)) == {"linkedin"}

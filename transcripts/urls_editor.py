from transcripts.views import transcript_editor

# /transcripts/<id>/ (editor), save/, draft/, draft/discard/, conflict/, history/, diff/,
# restore/, finalize/, replace/, dictionary/, export/ — see DocumentEditor.urlpatterns.
urlpatterns = transcript_editor.urlpatterns()

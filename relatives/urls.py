from django.urls import path

from relatives import views

app_name = "relatives"

urlpatterns = [
    path("<uuid:case_id>/", views.case, name="case"),
    path("<uuid:case_id>/relation/", views.relation_add, name="relation_add"),
    path("<uuid:case_id>/conversations/", views.conversation_add, name="conversation_add"),
]

from django.urls import path

from retention import views

app_name = "retention"

urlpatterns = [
    path("", views.destruction_lists, name="lists"),
    path("draw/", views.destruction_list_draw, name="draw"),
    path("<int:list_id>/", views.destruction_list, name="list"),
    path("<int:list_id>/approve/confirm/", views.destruction_list_approve_confirm, name="approve_confirm"),
    path("<int:list_id>/approve/", views.destruction_list_approve, name="approve"),
    path("<int:list_id>/items/<int:item_id>/hold/", views.hold_place, name="hold"),
    path("holds/<int:hold_id>/review/", views.hold_review, name="hold_review"),
]

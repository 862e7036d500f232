"""Admin pieces every app's admin uses: the read-only admin for what tasks write, and the
admin whose every write goes through a service."""

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import models


class ReadOnlyAdmin(admin.ModelAdmin):
    """Figures and logs written by tasks: to look at, never to edit by hand."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ServiceAdmin(admin.ModelAdmin):
    """An admin that saves through the app's services, never with `obj.save()`.

    Subclasses say how to `create`, `update` and (where removing is allowed) `remove`; without
    `remove`, nothing can be deleted here. The form validates the model as usual; `check` adds
    the rules a service applies beyond the model's own (a webhook's address, say), so they show
    on the form instead of as an error page.
    """

    def create(self, request, fields: dict):
        raise NotImplementedError

    def update(self, request, obj, fields: dict):
        raise NotImplementedError

    remove = None
    # A link typed without a scheme is https (what Django 6 assumes), not http.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def check_fields(self, obj, fields: dict) -> None:
        """Raise ValidationError (keyed by field) for what the service would refuse."""

    def get_form(self, request, obj=None, **kwargs):
        form_class = super().get_form(request, obj, **kwargs)
        model_admin = self

        class CheckedForm(form_class):
            def clean(self):
                cleaned = super().clean()
                try:
                    model_admin.check_fields(self.instance, cleaned)
                except ValidationError as error:
                    self.add_error(None, error)
                return cleaned

        return CheckedForm

    def has_delete_permission(self, request, obj=None):
        return self.remove is not None and super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        if change:
            fields = {
                name: form.cleaned_data[name]
                for name in form.changed_data
                if name in form.cleaned_data
            }
            if fields:
                self.update(request, obj, fields)
            return
        fields = {name: value for name, value in form.cleaned_data.items() if name in form.fields}
        created = self.create(request, fields)
        # The admin goes on with `obj` (inlines, the log, the redirect): make it the saved row.
        for field in obj._meta.concrete_fields:
            setattr(obj, field.attname, getattr(created, field.attname))
        obj._state.adding = False
        obj._state.db = created._state.db

    def delete_model(self, request, obj):
        self.remove(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.remove(request, obj)

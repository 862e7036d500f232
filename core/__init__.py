"""What every app of Voces uses and that knows no domain: error types, publishing a task by
name, the debounced nudge. It imports no other app of the project."""

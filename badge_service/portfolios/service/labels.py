"""The portfolio pages' words, in French and English (kept apart from the pages so that a
wording or a translation changes here alone)."""

from __future__ import annotations

LABELS: dict[str, dict[str, str]] = {
    "fr": {
        "portfolio": "Mon portfolio", "new_file": "Déposer un fichier",
        "new_link": "Ajouter un lien", "new_reflection": "Écrire une réflexion",
        "file": "Fichier", "link": "Lien", "reflection": "Réflexion",
        "title": "Titre", "description": "Description (facultative)", "url": "Adresse (URL)",
        "text": "Texte de la réflexion", "text_hint": "Séparez les paragraphes par une ligne vide.",
        "choose_file": "Fichier", "file_hint": "Documents, images, audio, vidéo ou archives ; "
        "le type est lu dans le contenu du fichier. Taille maximale : {size}.",
        "replace_file": "Remplacer le fichier (facultatif)",
        "competences": "Compétences documentées", "no_competence": "Aucune compétence",
        "no_framework": "Vos programmes n'ont pas encore de référentiel de compétences.",
        "save": "Enregistrer", "save_version": "Enregistrer une nouvelle version",
        "cancel": "Annuler", "edit": "Modifier", "delete": "Supprimer",
        "download": "Télécharger", "version": "Version", "versions": "Versions",
        "updated": "Modifié le", "created": "Créé le", "kind": "Type", "size": "Taille",
        "digest": "Empreinte SHA-256", "empty": "Votre portfolio est vide. Déposez un fichier, "
        "ajoutez un lien ou écrivez une réflexion : vous pourrez les présenter pour obtenir "
        "un badge.", "frozen": "Présentée pour évaluation le {date} : cette version ne "
        "change plus.", "current": "version actuelle",
        "edit_hint": "Modifier crée une nouvelle version ; les versions précédentes restent "
        "consultables.",
        "confirm_delete": "Supprimer cet élément ?",
        "confirm_delete_text": "« {title} » et ses {count} version(s) seront supprimés "
        "définitivement. Cette action est irréversible.",
        "confirm_delete_button": "Oui, supprimer définitivement",
        "created_flash": "« {title} » a été ajouté à votre portfolio.",
        "revised_flash": "Version {number} de « {title} » enregistrée.",
        "deleted_flash": "« {title} » a été supprimé.",
        "open_link": "Ouvrir le lien", "back": "Retour au portfolio",
    },
    "en": {
        "portfolio": "My portfolio", "new_file": "Upload a file", "new_link": "Add a link",
        "new_reflection": "Write a reflection",
        "file": "File", "link": "Link", "reflection": "Reflection",
        "title": "Title", "description": "Description (optional)", "url": "Address (URL)",
        "text": "Your reflection", "text_hint": "Separate paragraphs with a blank line.",
        "choose_file": "File", "file_hint": "Documents, images, audio, video or archives; the "
        "type is read from the file's content. Largest size: {size}.",
        "replace_file": "Replace the file (optional)",
        "competences": "Competences it documents", "no_competence": "No competence",
        "no_framework": "Your programmes have no competency framework yet.",
        "save": "Save", "save_version": "Save a new version", "cancel": "Cancel",
        "edit": "Edit", "delete": "Delete", "download": "Download", "version": "Version",
        "versions": "Versions", "updated": "Changed on", "created": "Created on",
        "kind": "Kind", "size": "Size", "digest": "SHA-256 digest",
        "empty": "Your portfolio is empty. Upload a file, add a link or write a reflection: "
        "you can then submit them to earn a badge.",
        "frozen": "Submitted for assessment on {date}: this version no longer changes.",
        "current": "current version",
        "edit_hint": "Editing writes a new version; earlier versions stay available.",
        "confirm_delete": "Delete this item?",
        "confirm_delete_text": "“{title}” and its {count} version(s) will be deleted for good. "
        "This cannot be undone.",
        "confirm_delete_button": "Yes, delete for good",
        "created_flash": "“{title}” was added to your portfolio.",
        "revised_flash": "Version {number} of “{title}” saved.",
        "deleted_flash": "“{title}” was deleted.",
        "open_link": "Open the link", "back": "Back to the portfolio",
    },
}


def file_size(size: int, language: str) -> str:
    """A size people read: 1.5 MB / 1,5 Mo."""
    units = ("o", "Ko", "Mo", "Go") if language == "fr" else ("B", "KB", "MB", "GB")
    value = float(size)
    for unit in units:
        if value < 1024 or unit == units[-1]:
            text = f"{value:.0f}" if unit == units[0] else f"{value:.1f}"
            return (text.replace(".", ",") if language == "fr" else text) + "\u00a0" + unit
        value /= 1024
    raise AssertionError("unreachable")

"""Backups a company can restore from: the database and every invoice file it refers to, in one archive with a
manifest of SHA-256 sums that a restore checks before it changes anything (docs/backup.md).

The `BACKUP_DADOS` schedule type and `manage.py backup_dados` write archives (`agendamentos.tipos.backup`);
`manage.py restaurar_backup` reads them (`restauracao`).
"""

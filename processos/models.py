from django.conf import settings
from django.db import models
from django.utils import timezone

from brm.common.formatacao import formatar_competencia
from brm.common.models import BaseModel


class Processo(BaseModel):
    """One client's invoice for one month, from download through approval to the SAT upload.

    (cliente, competencia) is the business key: nothing may ever create a second process for the same
    client and month. The status changes only through the services in `processos.services`.
    """

    class Status(models.TextChoices):
        AGUARDANDO_DOWNLOAD = "AGUARDANDO_DOWNLOAD", "Aguardando download"
        AGUARDANDO_APROVACAO = "AGUARDANDO_APROVACAO", "Aguardando aprovação"
        AGUARDANDO_ENVIO_SAT = "AGUARDANDO_ENVIO_SAT", "Aguardando envio ao SAT"
        UPLOAD_REALIZADO = "UPLOAD_REALIZADO", "Enviado ao SAT"

    # Badge colours, all dark enough for white text (contrast of at least 4.5:1, WCAG AA).
    CORES = {
        Status.AGUARDANDO_DOWNLOAD: "#6c757d",
        Status.AGUARDANDO_APROVACAO: "#8a6100",
        Status.AGUARDANDO_ENVIO_SAT: "#0d6efd",
        Status.UPLOAD_REALIZADO: "#198754",
    }

    cliente = models.ForeignKey(
        "clientes.Cliente", verbose_name="cliente", on_delete=models.PROTECT, related_name="processos"
    )
    competencia = models.DateField("competência", help_text="Primeiro dia do mês da fatura.")
    status = models.CharField(
        "situação", max_length=24, choices=Status.choices, default=Status.AGUARDANDO_DOWNLOAD, db_index=True
    )
    # Stored by `processo_registrar_fatura` under a name it chooses from the month, the id and the sha256:
    # nothing of the uploaded name reaches the file system.
    fatura = models.FileField("fatura (PDF)", upload_to="faturas/", blank=True, max_length=255)
    fatura_sha256 = models.CharField("SHA-256 da fatura", max_length=64, blank=True)
    fatura_nome_original = models.CharField("nome original do arquivo", max_length=255, blank=True)
    valor_total = models.DecimalField("valor total", max_digits=14, decimal_places=2, null=True, blank=True)
    vencimento = models.DateField("vencimento", null=True, blank=True)
    numero_fatura = models.CharField("número da fatura", max_length=100, blank=True)
    aprovado_por = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="aprovado por",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="processos_aprovados",
    )
    aprovado_em = models.DateTimeField("aprovado em", null=True, blank=True)
    motivo_rejeicao = models.TextField("motivo da rejeição", blank=True)
    protocolo_sat = models.CharField("protocolo SAT", max_length=100, blank=True)
    enviado_sat_em = models.DateTimeField("enviado ao SAT em", null=True, blank=True)

    class Meta:
        verbose_name = "processo"
        verbose_name_plural = "processos"
        ordering = ["-competencia", "cliente__razao_social"]
        constraints = [
            models.UniqueConstraint(fields=["cliente", "competencia"], name="processo_unico_por_cliente_competencia"),
            models.CheckConstraint(name="processo_competencia_primeiro_dia", condition=models.Q(competencia__day=1)),
        ]
        indexes = [
            models.Index(fields=["competencia", "status"], name="processo_comp_status_idx"),
            # The admin's lists (`processos.selectors.listas`): each ordering, by itself and after an equality
            # filter, is read off an index instead of sorting the table. The id rides along (PostgreSQL), so a
            # page far from the first finds its ids in the index alone (`PaginadorEstimado`).
            models.Index(fields=["competencia", "cliente"], include=["id"], name="processo_comp_cliente_idx"),
            models.Index(fields=["status", "competencia", "cliente"], include=["id"], name="processo_status_comp_idx"),
            models.Index(fields=["valor_total", "competencia", "cliente"], include=["id"], name="processo_valor_idx"),
            models.Index(fields=["numero_fatura"], name="processo_numero_fatura_idx"),
            # The approval queue: the same file in another process is flagged (`processos.selectors.aprovacao`).
            models.Index(fields=["fatura_sha256"], name="processo_fatura_sha256_idx"),
            # The approval queue in its order, soonest due date first: a small index of the invoices waiting.
            models.Index(
                fields=["vencimento", "competencia", "id"],
                condition=models.Q(status="AGUARDANDO_APROVACAO"),
                name="processo_fila_aprovacao_idx",
            ),
        ]
        permissions = [
            ("aprovar_processo", "Pode aprovar ou rejeitar faturas"),
            ("enviar_fatura", "Pode enviar fatura manualmente"),
            ("criar_processos_mensais", "Pode criar os processos do mês"),
        ]

    def __str__(self) -> str:
        return f"{self.cliente} · {formatar_competencia(self.competencia)}"


class ProcessoEvento(BaseModel):
    """One status change of a process: the timeline and the audit trail (who, when, from, to, why)."""

    processo = models.ForeignKey(Processo, verbose_name="processo", on_delete=models.CASCADE, related_name="eventos")
    de = models.CharField("de", max_length=24, choices=Processo.Status.choices, blank=True)
    para = models.CharField("para", max_length=24, choices=Processo.Status.choices)
    por = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="por",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Vazio quando foi o sistema.",
    )
    motivo = models.TextField("motivo", blank=True)
    quando = models.DateTimeField("quando", auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = "evento do processo"
        verbose_name_plural = "eventos dos processos"
        ordering = ["quando"]

    def __str__(self) -> str:
        return f"{self.get_de_display() or '—'} → {self.get_para_display()}"


class Execucao(BaseModel):
    """One robot job: an invoice download or an SAT upload for one process.

    `job_id` is the robot's id for it; our own id is the idempotency key sent with the POST.
    A re-run is a new Execucao pointing to the one it repeats (`anterior`, `tentativa + 1`).
    """

    class Tipo(models.TextChoices):
        DOWNLOAD_FATURA = "DOWNLOAD_FATURA", "Download da fatura"
        UPLOAD_SAT = "UPLOAD_SAT", "Envio ao SAT"

    class Status(models.TextChoices):
        PENDENTE = "PENDENTE", "Pendente"
        ENVIANDO = "ENVIANDO", "Enviando"
        EM_EXECUCAO = "EM_EXECUCAO", "Em execução"
        SUCESSO = "SUCESSO", "Sucesso"
        FALHA = "FALHA", "Falha"
        CANCELADA = "CANCELADA", "Cancelada"

    class Origem(models.TextChoices):
        MANUAL = "MANUAL", "Manual"
        AGENDAMENTO = "AGENDAMENTO", "Agendamento"
        REEXECUCAO = "REEXECUCAO", "Reexecução"
        AUTOMATICA = "AUTOMATICA", "Automática"

    CORES = {
        Status.PENDENTE: "#6c757d",
        Status.ENVIANDO: "#087990",
        Status.EM_EXECUCAO: "#0d6efd",
        Status.SUCESSO: "#198754",
        Status.FALHA: "#dc3545",
        Status.CANCELADA: "#495057",
    }
    ATIVOS = (Status.PENDENTE, Status.ENVIANDO, Status.EM_EXECUCAO)
    # The statuses in which a job holds a slot at the robot (besides `robo_ocupado`).
    NO_ROBO = (Status.ENVIANDO, Status.EM_EXECUCAO)
    REEXECUTAVEIS = (Status.FALHA, Status.CANCELADA)

    processo = models.ForeignKey(Processo, verbose_name="processo", on_delete=models.PROTECT, related_name="execucoes")
    tipo = models.CharField("tipo", max_length=20, choices=Tipo.choices)
    status = models.CharField("situação", max_length=12, choices=Status.choices, default=Status.PENDENTE, db_index=True)
    origem = models.CharField("origem", max_length=12, choices=Origem.choices, default=Origem.MANUAL)
    job_id = models.CharField("id do trabalho no robô", max_length=100, blank=True, db_index=True)
    tentativa = models.PositiveSmallIntegerField("tentativa", default=1)
    anterior = models.ForeignKey(
        "self",
        verbose_name="execução anterior",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reexecucoes",
    )
    solicitado_por = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="solicitado por",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    criado_em = models.DateTimeField("criada em", auto_now_add=True)
    enviado_em = models.DateTimeField("enviada em", null=True, blank=True)
    iniciado_em = models.DateTimeField("iniciada em", null=True, blank=True)
    finalizado_em = models.DateTimeField("finalizada em", null=True, blank=True)
    proxima_tentativa_em = models.DateTimeField("próxima tentativa em", null=True, blank=True)
    tentativas_envio = models.PositiveSmallIntegerField(
        "envios com erro temporário", default=0, help_text="Quantas vezes o envio ao robô falhou e foi refeito."
    )
    lote = models.UUIDField(
        "lote",
        null=True,
        blank=True,
        editable=False,
        db_index=True,
        help_text="O pedido em lote (por exemplo, uma execução de agendamento) de que este trabalho faz parte.",
    )
    lote_limite = models.PositiveSmallIntegerField(
        "trabalhos simultâneos do lote (máx.)", null=True, blank=True, editable=False
    )
    # BRM stopped following this job (its time ran out, a person cancelled it, a send got no answer) while the
    # robot may still be working on it: it keeps its slot until the robot reports an end, or the ceiling passes.
    robo_ocupado = models.BooleanField(
        "ocupa o robô",
        default=False,
        editable=False,
        help_text="O robô ainda pode estar trabalhando nele: continua contando no limite de simultâneos.",
    )
    robo_consultado_em = models.DateTimeField("robô consultado em", null=True, blank=True, editable=False)
    # A send whose answer was lost (a timeout after sending): the robot may have the job. It is sent again
    # with the same referencia until the robot confirms it (202, or 409 with its id).
    envio_incerto = models.BooleanField("envio sem resposta", default=False, editable=False)
    log_proximo_seq = models.PositiveIntegerField("próxima linha de log", default=1, editable=False)
    # When the robot loses a job and it is sent again, the new job numbers its lines from 1 again: they are
    # stored after the lines already kept, shifted by this much.
    log_deslocamento = models.PositiveIntegerField("deslocamento das linhas de log", default=0, editable=False)
    erro = models.TextField("erro", blank=True)
    resultado = models.JSONField("resultado", null=True, blank=True)

    class Meta:
        verbose_name = "execução"
        verbose_name_plural = "execuções"
        ordering = ["-criado_em"]
        constraints = [
            # One live job per process and kind: a second click or a second scheduler run cannot start another.
            models.UniqueConstraint(
                fields=["processo", "tipo"],
                condition=models.Q(status__in=["PENDENTE", "ENVIANDO", "EM_EXECUCAO"]),
                name="execucao_uma_ativa_por_processo_tipo",
            ),
            models.CheckConstraint(name="execucao_tentativa_positiva", condition=models.Q(tentativa__gte=1)),
        ]
        indexes = [
            models.Index(fields=["status", "criado_em"], name="execucao_status_criado_idx"),
            # The list of jobs, newest first, and a process's latest jobs on its page.
            models.Index(fields=["criado_em", "id"], name="execucao_criado_idx"),
            models.Index(fields=["processo", "criado_em"], name="execucao_processo_criado_idx"),
            models.Index(
                fields=["robo_ocupado"], condition=models.Q(robo_ocupado=True), name="execucao_robo_ocupado_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_tipo_display()} · {self.processo} · #{self.tentativa}"


class ExecucaoEvento(BaseModel):
    """One status change of a robot job: the execution's history (from, to, when, why, by whom).

    Written by `execucao_mudar_status`, the one function that changes an execution's status, in the same
    transaction as the change. `por` is the person who asked for it; none when the system or the robot did.
    """

    execucao = models.ForeignKey(Execucao, verbose_name="execução", on_delete=models.CASCADE, related_name="eventos")
    de = models.CharField("de", max_length=12, choices=Execucao.Status.choices, blank=True)
    para = models.CharField("para", max_length=12, choices=Execucao.Status.choices)
    quando = models.DateTimeField("quando", default=timezone.now)
    motivo = models.TextField("motivo", blank=True)
    por = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="por",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Vazio quando foi o sistema ou o robô.",
    )

    class Meta:
        verbose_name = "evento da execução"
        verbose_name_plural = "eventos das execuções"
        ordering = ["execucao", "quando"]
        indexes = [models.Index(fields=["execucao", "quando"], name="execucaoevento_exec_quando_idx")]

    def __str__(self) -> str:
        return f"{self.get_de_display() or '—'} → {self.get_para_display()}"


class ExecucaoLog(BaseModel):
    """One log line written by the robot during a job. (execucao, seq) is unique: lines read twice are stored once."""

    class Nivel(models.TextChoices):
        DEBUG = "DEBUG", "Depuração"
        INFO = "INFO", "Informação"
        WARNING = "WARNING", "Aviso"
        ERROR = "ERROR", "Erro"

    execucao = models.ForeignKey(Execucao, verbose_name="execução", on_delete=models.CASCADE, related_name="logs")
    seq = models.PositiveIntegerField("sequência")
    quando = models.DateTimeField("quando")
    nivel = models.CharField("nível", max_length=8, choices=Nivel.choices, default=Nivel.INFO)
    mensagem = models.TextField("mensagem")

    class Meta:
        verbose_name = "linha de log"
        verbose_name_plural = "linhas de log"
        ordering = ["execucao", "seq"]
        constraints = [models.UniqueConstraint(fields=["execucao", "seq"], name="execucaolog_unica_por_seq")]
        # The log cleanup deletes by age, in batches.
        indexes = [models.Index(fields=["quando"], name="execucaolog_quando_idx")]

    def __str__(self) -> str:
        return f"{self.seq} {self.nivel} {self.mensagem[:80]}"


class FaturaArquivo(BaseModel):
    """One invoice file a process has received: the one waiting approval, the approved one, and every rejected
    one, kept as evidence after the process forgot it to receive the next.

    Written by `processo_registrar_fatura` in the same transaction as the process's move, and decided by
    `processo_aprovar` and `processo_rejeitar`; the process page lists them and serves each PDF.
    """

    class Origem(models.TextChoices):
        ROBO = "ROBO", "Robô"
        MANUAL = "MANUAL", "Manual"

    class Status(models.TextChoices):
        AGUARDANDO_APROVACAO = "AGUARDANDO_APROVACAO", "Aguardando aprovação"
        APROVADA = "APROVADA", "Aprovada"
        REJEITADA = "REJEITADA", "Rejeitada"

    CORES = {
        Status.AGUARDANDO_APROVACAO: "#8a6100",
        Status.APROVADA: "#198754",
        Status.REJEITADA: "#b02a37",
    }

    processo = models.ForeignKey(
        Processo, verbose_name="processo", on_delete=models.PROTECT, related_name="arquivos_fatura"
    )
    # The same stored file as `Processo.fatura` while it is the process's invoice; it stays here afterwards.
    arquivo = models.FileField("arquivo (PDF)", upload_to="faturas/", max_length=255)
    sha256 = models.CharField("SHA-256", max_length=64)
    nome_original = models.CharField("nome original do arquivo", max_length=255, blank=True)
    valor_total = models.DecimalField("valor total", max_digits=14, decimal_places=2, null=True, blank=True)
    vencimento = models.DateField("vencimento", null=True, blank=True)
    numero_fatura = models.CharField("número da fatura", max_length=100, blank=True)
    origem = models.CharField("origem", max_length=8, choices=Origem.choices)
    enviado_por = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="enviado por",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Quem enviou o arquivo à mão; vazio quando o robô o baixou.",
    )
    execucao = models.ForeignKey(
        Execucao,
        verbose_name="execução",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="O download do robô que trouxe o arquivo.",
    )
    criado_em = models.DateTimeField("recebido em", default=timezone.now)
    status = models.CharField("situação", max_length=24, choices=Status.choices, default=Status.AGUARDANDO_APROVACAO)
    motivo_rejeicao = models.TextField("motivo da rejeição", blank=True)
    decidido_por = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="decidido por",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decidido_em = models.DateTimeField("decidido em", null=True, blank=True)

    class Meta:
        verbose_name = "arquivo de fatura"
        verbose_name_plural = "arquivos de fatura"
        ordering = ["processo", "criado_em"]
        constraints = [
            # A process has at most one invoice that is not rejected: the one it holds now.
            models.UniqueConstraint(
                fields=["processo"],
                condition=~models.Q(status="REJEITADA"),
                name="faturaarquivo_uma_vigente_por_processo",
            ),
        ]
        indexes = [models.Index(fields=["processo", "criado_em"], name="faturaarquivo_proc_criado_idx")]

    def __str__(self) -> str:
        return f"{self.processo} · {self.get_status_display()} · {self.sha256[:12]}"

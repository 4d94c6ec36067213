/* The approval queue (templates/processos/fila_aprovacao.html): keyboard shortcuts and the invoice's PDF
   drawn by pdf.js into canvases. Plain JS, no framework; every text from the server is set with textContent.
   Without this script the page still works with links and buttons. */
(function () {
  "use strict";

  const raiz = document.getElementById("fila-aprovacao");
  if (!raiz) {
    return;
  }
  const aviso = document.getElementById("fila-aviso");
  let enviando = false;

  function avisar(texto) {
    // Cleared first, so the same sentence twice is read again by screen readers.
    aviso.textContent = "";
    window.setTimeout(function () {
      aviso.textContent = texto;
    }, 30);
  }

  const TIPOS_DE_TEXTO = new Set([
    "text", "search", "email", "number", "password", "url", "tel", "date", "month", "week", "time",
    "datetime-local",
  ]);

  function digitando(alvo) {
    if (!alvo || !alvo.tagName) {
      return false;
    }
    if (alvo.isContentEditable || alvo.tagName === "TEXTAREA" || alvo.tagName === "SELECT") {
      return true;
    }
    return alvo.tagName === "INPUT" && TIPOS_DE_TEXTO.has((alvo.type || "text").toLowerCase());
  }

  function seguir(id, quandoNaoHa) {
    const link = document.getElementById(id);
    if (link && link.href) {
      window.location.assign(link.href);
    } else {
      avisar(quandoNaoHa);
    }
  }

  // One decision at a time: a second key press while the first is on its way sends nothing.
  for (const form of raiz.querySelectorAll("form[method='post']")) {
    form.addEventListener("submit", function (evento) {
      if (enviando) {
        evento.preventDefault();
        return;
      }
      enviando = true;
      raiz.setAttribute("aria-busy", "true");
    });
  }

  // Approve -------------------------------------------------------------------------------------------------------

  const formAprovar = document.getElementById("fila-form-aprovar");
  const botaoAprovar = document.getElementById("fila-aprovar");
  const justificativa = document.getElementById("fila-justificativa");
  const bloqueio = document.getElementById("fila-aprovar-bloqueado");

  function aprovar() {
    if (!formAprovar || !botaoAprovar) {
      return;
    }
    if (botaoAprovar.disabled) {
      avisar(bloqueio ? bloqueio.textContent : "Esta fatura não pode ser aprovada por você.");
      return;
    }
    if (justificativa && !justificativa.value.trim()) {
      justificativa.focus();
      avisar("Esta fatura tem alertas: escreva a justificativa e tecle Enter para aprovar.");
      return;
    }
    formAprovar.requestSubmit(botaoAprovar);
  }

  function enterConfirma(campo, form, botao, aoCancelar) {
    campo.addEventListener("keydown", function (evento) {
      if (evento.key === "Enter" && !evento.shiftKey && !evento.isComposing) {
        evento.preventDefault();
        if (campo.value.trim()) {
          form.requestSubmit(botao);
        } else {
          campo.reportValidity();
        }
      } else if (evento.key === "Escape") {
        evento.preventDefault();
        aoCancelar();
      }
    });
  }

  if (justificativa) {
    enterConfirma(justificativa, formAprovar, botaoAprovar, function () {
      justificativa.blur();
      botaoAprovar.focus();
    });
  }

  // Reject --------------------------------------------------------------------------------------------------------

  const formRejeitar = document.getElementById("fila-form-rejeitar");
  const botaoRejeitar = document.getElementById("fila-rejeitar");
  const rejeicao = document.getElementById("fila-rejeicao");
  const motivo = document.getElementById("fila-motivo");
  const confirmarRejeicao = document.getElementById("fila-confirmar-rejeicao");
  const cancelarRejeicao = document.getElementById("fila-cancelar-rejeicao");

  function abrirRejeicao() {
    if (!rejeicao) {
      return;
    }
    rejeicao.hidden = false;
    botaoRejeitar.setAttribute("aria-expanded", "true");
    motivo.focus();
  }

  function fecharRejeicao() {
    rejeicao.hidden = true;
    motivo.value = "";
    botaoRejeitar.setAttribute("aria-expanded", "false");
    botaoRejeitar.focus();
    avisar("Rejeição cancelada.");
  }

  if (rejeicao) {
    botaoRejeitar.addEventListener("click", function () {
      if (rejeicao.hidden) {
        abrirRejeicao();
      } else {
        fecharRejeicao();
      }
    });
    cancelarRejeicao.addEventListener("click", fecharRejeicao);
    enterConfirma(motivo, formRejeitar, confirmarRejeicao, fecharRejeicao);
  }

  // Bulk selection ------------------------------------------------------------------------------------------------

  const marcarTodas = document.getElementById("fila-marcar-todas");
  const marcas = Array.from(raiz.querySelectorAll("input.fila-marcar"));
  if (marcarTodas) {
    marcarTodas.addEventListener("change", function () {
      for (const marca of marcas) {
        marca.checked = marcarTodas.checked;
      }
    });
  }

  function alternarMarcaDaAberta() {
    const aberto = raiz.dataset.aberto;
    const marca = aberto && document.getElementById("fila-marcar-" + aberto);
    if (!marca) {
      return;
    }
    marca.checked = !marca.checked;
    avisar(marca.checked ? "Fatura marcada para aprovar em lote." : "Fatura desmarcada.");
  }

  // Shortcuts -----------------------------------------------------------------------------------------------------

  document.addEventListener("keydown", function (evento) {
    if (evento.defaultPrevented || evento.ctrlKey || evento.metaKey || evento.altKey || evento.isComposing) {
      return;
    }
    if (digitando(evento.target) || enviando) {
      return;
    }
    switch (evento.key) {
      case "j":
      case "ArrowDown":
        evento.preventDefault();
        seguir("fila-proxima", "Esta é a última fatura da fila.");
        break;
      case "k":
      case "ArrowUp":
        evento.preventDefault();
        seguir("fila-anterior", "Esta é a primeira fatura da fila.");
        break;
      case "a":
        evento.preventDefault();
        aprovar();
        break;
      case "r":
        evento.preventDefault();
        abrirRejeicao();
        break;
      case "x":
        evento.preventDefault();
        alternarMarcaDaAberta();
        break;
      default:
        break;
    }
  });

  // Live: what others decide meanwhile ---------------------------------------------------------------------------

  // The painel channel carries every status change. A row that leaves the queue is marked, the open invoice
  // says so at once, and new invoices are announced; the page itself is never rebuilt under the reader.
  const avisoAoVivo = document.getElementById("fila-ao-vivo");
  let novas = 0;

  function mostrarAoVivo(texto, comRecarregar) {
    avisoAoVivo.textContent = texto;
    if (comRecarregar) {
      const link = document.createElement("a");
      link.id = "fila-recarregar";
      link.href = window.location.href;
      link.textContent = "Recarregar a fila";
      avisoAoVivo.append(" ", link);
    }
    avisoAoVivo.hidden = false;
  }

  function aoMudarProcesso(evento) {
    if (enviando) {
      return;
    }
    let dados;
    try {
      dados = JSON.parse(evento.data);
    } catch (erro) {
      return;
    }
    const linha = Array.from(raiz.querySelectorAll("tr.fila-linha")).find(function (tr) {
      return tr.dataset.processoId === dados.id;
    });
    if (dados.status !== "AGUARDANDO_APROVACAO") {
      if (!linha || linha.dataset.saiu) {
        return;
      }
      linha.dataset.saiu = "1";
      const marca = document.createElement("span");
      marca.className = "fila-alerta fila-saiu";
      marca.textContent = "Saiu da fila: " + dados.status_rotulo;
      linha.cells[1].append(marca);
      if (dados.id === raiz.dataset.aberto) {
        mostrarAoVivo(
          "Esta fatura acabou de ser decidida por outra pessoa (agora: " + dados.status_rotulo +
            "). Tecle j para seguir para a próxima.",
          false,
        );
      }
      return;
    }
    const competencia = raiz.dataset.competencia;
    if (!linha && dados.de !== dados.status && (!competencia || String(dados.competencia).startsWith(competencia))) {
      novas += 1;
      mostrarAoVivo(
        novas === 1 ? "Chegou uma fatura nova para aprovar." : "Chegaram " + novas + " faturas novas para aprovar.",
        true,
      );
    }
  }

  if (raiz.dataset.urlEventos && "EventSource" in window) {
    const fonte = new EventSource(raiz.dataset.urlEventos);
    fonte.addEventListener("processo", aoMudarProcesso);
    // The server lost the events it kept (Redis restarted without its data): changes may have been missed.
    fonte.addEventListener("stream-reset", function () {
      mostrarAoVivo("As atualizações ao vivo foram reiniciadas e algumas mudanças podem não ter chegado.", true);
    });
    window.addEventListener("pagehide", function () {
      fonte.close();
    });
  }

  // The PDF -------------------------------------------------------------------------------------------------------

  const MAXIMO_DE_PAGINAS = 30;
  const areaPdf = document.getElementById("fila-pdf");

  function estadoDoPdf(estado, texto) {
    areaPdf.dataset.estado = estado;
    areaPdf.setAttribute("aria-busy", estado === "carregando" ? "true" : "false");
    document.getElementById("fila-pdf-estado").textContent = texto;
  }

  async function mostrarPdf() {
    const dados = areaPdf.dataset;
    const pdfjs = await import(dados.pdfjs);
    pdfjs.GlobalWorkerOptions.workerSrc = dados.worker;
    const documento = await pdfjs.getDocument({
      url: dados.url,
      standardFontDataUrl: dados.fontes,
      wasmUrl: dados.wasm,
      iccUrl: dados.iccs,
      enableXfa: false,
    }).promise;
    const total = documento.numPages;
    const paginas = Math.min(total, MAXIMO_DE_PAGINAS);
    const densidade = window.devicePixelRatio || 1;
    for (let numero = 1; numero <= paginas; numero += 1) {
      const pagina = await documento.getPage(numero);
      const largura = Math.max(areaPdf.clientWidth - 2, 200);
      const escala = largura / pagina.getViewport({ scale: 1 }).width;
      const viewport = pagina.getViewport({ scale: escala * densidade });
      const canvas = document.createElement("canvas");
      canvas.className = "fila-pdf-pagina";
      canvas.width = Math.floor(viewport.width);
      canvas.height = Math.floor(viewport.height);
      canvas.style.width = Math.floor(viewport.width / densidade) + "px";
      canvas.dataset.pagina = String(numero);
      canvas.setAttribute("role", "img");
      canvas.setAttribute("aria-label", "Página " + numero + " de " + total + " da fatura");
      areaPdf.appendChild(canvas);
      await pagina.render({ canvasContext: canvas.getContext("2d"), viewport: viewport }).promise;
    }
    areaPdf.dataset.paginas = String(total);
    let texto = total === 1 ? "1 página." : total + " páginas.";
    if (total > paginas) {
      texto += " Aqui aparecem as " + paginas + " primeiras; abra o PDF em outra aba para ver todas.";
    }
    estadoDoPdf("pronto", texto);
  }

  if (areaPdf) {
    mostrarPdf().catch(function () {
      estadoDoPdf("erro", "Não foi possível mostrar o PDF aqui. Use o link “Abrir o PDF em outra aba”.");
    });
  }
})();

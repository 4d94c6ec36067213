/* The page of one process: follows the painel channel (/eventos/painel/) and, for events about this process,
   updates its status badge and the badges of its running robot jobs without a reload. What depends on the
   status (the actions, the invoice, the timeline) is the server's to draw: the page says that it changed and
   offers to reload. Text from the server enters the page only through textContent. Plain JS, no CDN. */
(function () {
  "use strict";

  const raiz = document.getElementById("processo-pagina");
  const configuracao = document.getElementById("processo-config");
  if (!raiz || !configuracao) {
    return;
  }
  const config = JSON.parse(configuracao.textContent);
  const elementos = {
    situacao: document.getElementById("processo-situacao"),
    conexao: document.getElementById("processo-conexao"),
    aviso: document.getElementById("processo-aviso"),
    avisoTexto: document.getElementById("processo-aviso-texto"),
    recarregar: document.getElementById("processo-recarregar"),
  };

  const TEXTOS_DA_CONEXAO = {
    conectando: "conectando…",
    "ao-vivo": "ao vivo",
    reconectando: "reconectando…",
    "sem-conexao": "sem atualizações ao vivo: recarregue a página",
  };

  function mostrarConexao(estado) {
    elementos.conexao.dataset.estado = estado;
    elementos.conexao.textContent = TEXTOS_DA_CONEXAO[estado];
  }

  // What changed since the page was drawn: one sentence about the process, one about its robot jobs.
  const avisos = { processo: "", execucao: "" };

  function avisar(sobre, texto) {
    avisos[sobre] = texto;
    elementos.avisoTexto.textContent = [avisos.processo, avisos.execucao].filter(Boolean).join(" ");
    elementos.aviso.hidden = false;
  }

  function dadosDe(evento) {
    try {
      return JSON.parse(evento.data);
    } catch (erro) {
      return null;
    }
  }

  function quandoProcessoMudou(dados) {
    if (!dados || dados.id !== config.id || dados.status === elementos.situacao.dataset.status) {
      return;
    }
    elementos.situacao.textContent = dados.status_rotulo || dados.status;
    elementos.situacao.dataset.status = dados.status;
    if (config.cores[dados.status]) {
      elementos.situacao.style.backgroundColor = config.cores[dados.status];
    }
    avisar(
      "processo",
      "A situação deste processo mudou para “" +
        (dados.status_rotulo || dados.status) +
        "”: recarregue para ver as ações, a fatura e a linha do tempo de agora."
    );
  }

  function quandoExecucaoMudou(dados) {
    if (!dados || dados.processo_id !== config.id) {
      return;
    }
    const badges = document.querySelectorAll('[data-execucao-status="' + CSS.escape(String(dados.id)) + '"]');
    for (const badge of badges) {
      badge.textContent = dados.status_rotulo || dados.status;
      if (config.coresExecucao[dados.status]) {
        badge.style.backgroundColor = config.coresExecucao[dados.status];
      }
    }
    const rotulo = dados.status_rotulo || dados.status;
    if (["SUCESSO", "FALHA", "CANCELADA"].includes(dados.status)) {
      avisar("execucao", "Um trabalho do robô deste processo terminou (" + rotulo + "): recarregue para ver o resultado.");
    } else if (!dados.de) {
      avisar("execucao", "Um trabalho do robô deste processo foi pedido: recarregue para acompanhá-lo.");
    } else if (!badges.length) {
      avisar("execucao", "Um trabalho do robô deste processo está “" + rotulo + "”: recarregue para acompanhá-lo.");
    }
  }

  function conectar() {
    if (typeof window.EventSource !== "function") {
      mostrarConexao("sem-conexao");
      return;
    }
    mostrarConexao("conectando");
    const fonte = new EventSource(config.canal);
    fonte.addEventListener("open", function () {
      mostrarConexao("ao-vivo");
    });
    fonte.addEventListener("processo", function (evento) {
      quandoProcessoMudou(dadosDe(evento));
    });
    fonte.addEventListener("execucao", function (evento) {
      quandoExecucaoMudou(dadosDe(evento));
    });
    // The server lost the events it kept (Redis restarted without its data): changes may have been missed.
    fonte.addEventListener("stream-reset", function () {
      avisar("processo", "As atualizações ao vivo foram reiniciadas e algumas mudanças podem não ter chegado.");
    });
    fonte.addEventListener("stream-error", function () {
      fonte.close();
      mostrarConexao("sem-conexao");
    });
    fonte.addEventListener("error", function () {
      mostrarConexao(fonte.readyState === EventSource.CLOSED ? "sem-conexao" : "reconectando");
    });
  }

  elementos.recarregar.addEventListener("click", function () {
    window.location.reload();
  });
  conectar();
})();

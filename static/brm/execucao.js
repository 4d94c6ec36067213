/* The page of one robot job: follows /eventos/execucao-<id>/ and keeps the log tail, the status, the duration,
   the buttons and the connection state up to date without a reload.

   - Log lines are appended in order of `seq`; a line whose seq is not above the last one shown is dropped, so a
     reconnection or a repeated batch never shows a line twice. When the first new line is beyond the next
     expected one, the missing lines are fetched from the JSON view first, so there is never a gap. The same
     view is asked for what came after the last line at every (re)connection, and for older lines on
     "Carregar anteriores".
   - The browser's EventSource reconnects by itself and sends Last-Event-ID; the server resumes from there.
   - Text that came from the server (log lines, errors, labels) always enters the page through textContent.
   Plain JS, no framework, nothing from a CDN. */
(function () {
  "use strict";

  const raiz = document.getElementById("execucao-pagina");
  const configuracao = document.getElementById("execucao-config");
  if (!raiz || !configuracao) {
    return;
  }
  const config = JSON.parse(configuracao.textContent);
  const FINAIS = new Set(config.finais);
  const ATIVOS = new Set(config.ativos);
  const REEXECUTAVEIS = new Set(config.reexecutaveis);
  const NIVEIS = new Set(["DEBUG", "INFO", "WARNING", "ERROR"]);
  // Lines kept on the page while the reader follows the end; older ones stay one click away.
  const MAXIMO_NA_PAGINA = 5000;
  const POR_PEDIDO = 1000;

  const elementos = {
    situacao: document.getElementById("execucao-situacao"),
    duracao: document.getElementById("execucao-duracao"),
    conexao: document.getElementById("execucao-conexao"),
    erro: document.getElementById("execucao-erro"),
    erroTitulo: document.getElementById("execucao-erro-titulo"),
    erroTexto: document.getElementById("execucao-erro-texto"),
    log: document.getElementById("execucao-log"),
    vazio: document.getElementById("execucao-log-vazio"),
    aviso: document.getElementById("execucao-log-aviso"),
    anteriores: document.getElementById("execucao-log-anteriores"),
    reexecutar: document.getElementById("execucao-reexecutar"),
    terminou: document.getElementById("execucao-terminou"),
    recarregar: document.getElementById("execucao-recarregar"),
    cancelar: document.getElementById("execucao-cancelar"),
  };
  const log = elementos.log;

  let primeiroSeq = Number(log.dataset.primeiroSeq) || null;
  let ultimoSeq = Number(log.dataset.ultimoSeq) || 0;
  let situacao = config.situacao;
  const terminadaAoCarregar = FINAIS.has(situacao.status);
  let fonte = null;
  // The difference between the server's clock and this browser's, so the running duration matches the server.
  const desvioDoRelogio = Date.parse(config.agora) - Date.now();

  // One thing at a time (a batch, a fetch, a status): lines are appended in order even while a fetch waits.
  let fila = Promise.resolve();
  function enfileirar(tarefa) {
    fila = fila.then(tarefa).catch(function (erro) {
      avisar(erro && erro.message ? erro.message : "Não foi possível atualizar o log.");
    });
    return fila;
  }

  function avisar(texto) {
    elementos.aviso.textContent = texto || "";
  }

  // Times ---------------------------------------------------------------------------------------------------

  const formatador = new Intl.DateTimeFormat("pt-BR", {
    timeZone: config.fuso,
    day: "2-digit",
    month: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    hourCycle: "h23",
  });

  function formatarQuando(iso) {
    const partes = {};
    for (const parte of formatador.formatToParts(new Date(iso))) {
      partes[parte.type] = parte.value;
    }
    return partes.day + "/" + partes.month + " " + partes.hour + ":" + partes.minute + ":" + partes.second;
  }

  function doisDigitos(numero) {
    return String(numero).padStart(2, "0");
  }

  function formatarDuracao(segundos) {
    const total = Math.max(0, Math.floor(segundos));
    const horas = Math.floor(total / 3600);
    const minutos = Math.floor((total % 3600) / 60);
    const resto = total % 60;
    if (horas) {
      return horas + " h " + doisDigitos(minutos) + " min " + doisDigitos(resto) + " s";
    }
    if (minutos) {
      return minutos + " min " + doisDigitos(resto) + " s";
    }
    return resto + " s";
  }

  function atualizarDuracao() {
    const inicio = elementos.duracao.dataset.iniciadoEm;
    const fim = elementos.duracao.dataset.finalizadoEm;
    if (!inicio) {
      elementos.duracao.textContent = "—";
      return;
    }
    const ate = fim ? Date.parse(fim) : Date.now() + desvioDoRelogio;
    elementos.duracao.textContent = formatarDuracao((ate - Date.parse(inicio)) / 1000);
  }

  // Log lines ------------------------------------------------------------------------------------------------

  function criarLinha(linha) {
    const nivel = NIVEIS.has(linha.nivel) ? linha.nivel : "INFO";
    const elemento = document.createElement("div");
    elemento.className = "brm-log-linha brm-log-" + nivel.toLowerCase();
    elemento.dataset.seq = String(linha.seq);
    const quando = document.createElement("time");
    quando.className = "brm-log-quando";
    if (linha.quando) {
      quando.dateTime = linha.quando;
      quando.textContent = formatarQuando(linha.quando);
    }
    const rotulo = document.createElement("span");
    rotulo.className = "brm-log-nivel";
    rotulo.textContent = nivel;
    const mensagem = document.createElement("span");
    mensagem.className = "brm-log-mensagem";
    mensagem.textContent = String(linha.mensagem == null ? "" : linha.mensagem);
    elemento.append(quando, " ", rotulo, " ", mensagem);
    return elemento;
  }

  function noFim() {
    return log.scrollHeight - log.scrollTop - log.clientHeight < 8;
  }

  function ordenadas(linhas) {
    return (linhas || [])
      .filter(function (linha) {
        return Number.isInteger(linha.seq);
      })
      .sort(function (a, b) {
        return a.seq - b.seq;
      });
  }

  // Appends the lines after the last one shown, once each.
  function acrescentar(linhas) {
    const estavaNoFim = noFim();
    const fragmento = document.createDocumentFragment();
    for (const linha of ordenadas(linhas)) {
      if (linha.seq <= ultimoSeq) {
        continue;
      }
      fragmento.append(criarLinha(linha));
      if (primeiroSeq === null) {
        primeiroSeq = linha.seq;
      }
      ultimoSeq = linha.seq;
    }
    if (!fragmento.childNodes.length) {
      return;
    }
    log.append(fragmento);
    log.dataset.ultimoSeq = String(ultimoSeq);
    elementos.vazio.hidden = true;
    if (estavaNoFim) {
      aparar();
      log.scrollTop = log.scrollHeight;
    }
  }

  // While the reader follows the end, the oldest lines leave the page past the maximum (they can come back).
  function aparar() {
    let removidas = 0;
    while (log.childElementCount > MAXIMO_NA_PAGINA) {
      log.firstElementChild.remove();
      removidas += 1;
    }
    if (removidas) {
      primeiroSeq = Number(log.firstElementChild.dataset.seq);
      log.dataset.primeiroSeq = String(primeiroSeq);
      elementos.anteriores.hidden = false;
    }
  }

  async function buscar(parametros) {
    const url = new URL(config.linhas, window.location.href);
    for (const [nome, valor] of Object.entries(parametros)) {
      url.searchParams.set(nome, String(valor));
    }
    const resposta = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
    const tipo = resposta.headers.get("Content-Type") || "";
    if (!tipo.includes("application/json")) {
      throw new Error("A sessão pode ter expirado: recarregue a página para continuar acompanhando.");
    }
    const dados = await resposta.json();
    if (!resposta.ok) {
      throw new Error(dados.erro || "Não foi possível carregar as linhas do log.");
    }
    return dados;
  }

  // Everything after the last line shown, up to `ate` (or to the end), and the status as it is now.
  async function buscarSeguintes(ate) {
    for (let pedidos = 0; pedidos < 1000; pedidos += 1) {
      const dados = await buscar({ depois: ultimoSeq, limite: POR_PEDIDO });
      const antes = ultimoSeq;
      acrescentar(dados.linhas);
      aplicarSituacao(dados.execucao);
      if (!dados.mais || ultimoSeq === antes || (ate !== null && ultimoSeq >= ate)) {
        break;
      }
    }
    avisar("");
  }

  async function receberLote(linhas) {
    const novas = ordenadas(linhas).filter(function (linha) {
      return linha.seq > ultimoSeq;
    });
    if (!novas.length) {
      return;
    }
    if (novas[0].seq > ultimoSeq + 1) {
      // Lines between the last shown and this batch were missed: they come first.
      await buscarSeguintes(novas[0].seq - 1);
    }
    acrescentar(novas);
  }

  async function carregarAnteriores() {
    if (primeiroSeq === null) {
      elementos.anteriores.hidden = true;
      return;
    }
    elementos.anteriores.disabled = true;
    try {
      const dados = await buscar({ antes: primeiroSeq, limite: config.linhasPorPagina });
      const linhas = ordenadas(dados.linhas).filter(function (linha) {
        return linha.seq < primeiroSeq;
      });
      const alturaAntes = log.scrollHeight;
      const fragmento = document.createDocumentFragment();
      for (const linha of linhas) {
        fragmento.append(criarLinha(linha));
      }
      log.prepend(fragmento);
      if (linhas.length) {
        primeiroSeq = linhas[0].seq;
        log.dataset.primeiroSeq = String(primeiroSeq);
      }
      // The reader keeps looking at the same lines.
      log.scrollTop += log.scrollHeight - alturaAntes;
      if (!dados.mais) {
        elementos.anteriores.hidden = true;
        avisar("Estas são as primeiras linhas do log.");
        log.focus();
      } else {
        avisar("");
      }
    } finally {
      elementos.anteriores.disabled = false;
    }
  }

  // Status -------------------------------------------------------------------------------------------------

  function aplicarSituacao(dados) {
    if (!dados || !dados.status) {
      return;
    }
    // An end is final: an older event that arrives late does not bring the job back to life.
    if (FINAIS.has(situacao.status) && dados.status !== situacao.status) {
      return;
    }
    situacao = dados;
    const status = dados.status;
    elementos.situacao.textContent = dados.status_rotulo || config.rotulos[status] || status;
    elementos.situacao.dataset.status = status;
    // The same job's badge in the chain of attempts.
    for (const badge of document.querySelectorAll('[data-execucao-status="' + CSS.escape(String(dados.id)) + '"]')) {
      badge.textContent = elementos.situacao.textContent;
      badge.style.backgroundColor = config.cores[status] || "";
    }
    if (config.cores[status]) {
      elementos.situacao.style.backgroundColor = config.cores[status];
    }
    elementos.duracao.dataset.iniciadoEm = dados.iniciado_em || "";
    elementos.duracao.dataset.finalizadoEm = dados.finalizado_em || "";
    atualizarDuracao();

    const mostrarErro = (status === "FALHA" || status === "CANCELADA") && Boolean(dados.erro);
    elementos.erro.hidden = !mostrarErro;
    elementos.erro.dataset.status = status;
    elementos.erro.className = status === "FALHA" ? "brm-erro" : "brm-nota";
    // A cancellation's sentence says it all ("Cancelada por …", "Cancelado: a fatura foi enviada …").
    elementos.erroTitulo.textContent = "Erro:";
    elementos.erroTitulo.hidden = status !== "FALHA";
    elementos.erroTexto.textContent = dados.erro || "";

    // The buttons follow the status; the server checks again when one is pressed.
    if (elementos.reexecutar) {
      elementos.reexecutar.hidden = !REEXECUTAVEIS.has(status);
    }
    if (elementos.cancelar) {
      elementos.cancelar.hidden = !ATIVOS.has(status);
    }
    if (FINAIS.has(status)) {
      // The fields and the history below the log were drawn before the end: the page offers to draw them again.
      elementos.terminou.hidden = terminadaAoCarregar;
      encerrar();
    }
  }

  // Connection ------------------------------------------------------------------------------------------------

  const TEXTOS_DA_CONEXAO = {
    conectando: "conectando…",
    "ao-vivo": "ao vivo",
    reconectando: "reconectando…",
    encerrado: "execução encerrada",
    "sem-conexao": "sem atualizações ao vivo: recarregue a página",
  };

  function mostrarConexao(estado) {
    elementos.conexao.dataset.estado = estado;
    elementos.conexao.textContent = TEXTOS_DA_CONEXAO[estado];
  }

  // The job ended: the lines it wrote before its end are fetched, and nothing more will come on its channel.
  function encerrar() {
    if (!fonte) {
      mostrarConexao("encerrado");
      return;
    }
    const aberta = fonte;
    fonte = null;
    enfileirar(function () {
      return buscarSeguintes(null);
    }).then(function () {
      aberta.close();
      mostrarConexao("encerrado");
    });
  }

  function dadosDe(evento) {
    try {
      return JSON.parse(evento.data);
    } catch (erro) {
      return null;
    }
  }

  function conectar() {
    if (FINAIS.has(situacao.status) || typeof window.EventSource !== "function") {
      mostrarConexao(FINAIS.has(situacao.status) ? "encerrado" : "sem-conexao");
      return;
    }
    mostrarConexao("conectando");
    fonte = new EventSource(config.canal);
    const esta = fonte;
    esta.addEventListener("open", function () {
      if (fonte === esta) {
        mostrarConexao("ao-vivo");
      }
    });
    // At every (re)connection, whatever happened while the page was not listening.
    esta.addEventListener("stream-open", function () {
      enfileirar(function () {
        return buscarSeguintes(null);
      });
    });
    // The server no longer has the events since the last one received: ask for the lines themselves.
    esta.addEventListener("stream-reset", function () {
      enfileirar(function () {
        return buscarSeguintes(null);
      });
    });
    esta.addEventListener("logs", function (evento) {
      const dados = dadosDe(evento);
      if (dados) {
        enfileirar(function () {
          return receberLote(dados.linhas);
        });
      }
    });
    esta.addEventListener("status", function (evento) {
      const dados = dadosDe(evento);
      if (dados) {
        enfileirar(function () {
          aplicarSituacao(dados);
        });
      }
    });
    esta.addEventListener("stream-error", function () {
      esta.close();
      if (fonte === esta) {
        fonte = null;
        mostrarConexao("sem-conexao");
      }
    });
    esta.addEventListener("error", function () {
      if (fonte !== esta) {
        return;
      }
      // CONNECTING: the browser tries again by itself; CLOSED: the server refused the stream (signed out, no permission).
      mostrarConexao(esta.readyState === EventSource.CLOSED ? "sem-conexao" : "reconectando");
    });
  }

  elementos.recarregar.addEventListener("click", function () {
    window.location.reload();
  });
  if (elementos.anteriores) {
    elementos.anteriores.addEventListener("click", function () {
      enfileirar(carregarAnteriores);
    });
  }
  log.scrollTop = log.scrollHeight;
  atualizarDuracao();
  window.setInterval(atualizarDuracao, 1000);
  conectar();
})();

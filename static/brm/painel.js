/* The painel, live: listens to the SSE channel `painel` and, on any `processo` or `execucao` event, fetches the
   page's own fragment (`?parcial=1`) and swaps it in place, at most once a second, keeping focus and scroll.

   Plain JS, no framework. Events are only a signal to refetch: nothing they carry is written into the page.
   The fragment is HTML rendered (and escaped) by the server's templates, parsed with DOMParser, whose
   documents never run scripts. */
(function () {
  "use strict";

  var conteudo = document.getElementById("painel-conteudo");
  var indicador = document.getElementById("painel-ao-vivo");
  if (!conteudo || !indicador) {
    return;
  }
  var urlParcial = conteudo.getAttribute("data-url-parcial");
  var urlEventos = conteudo.getAttribute("data-url-eventos");
  var textoIndicador = indicador.querySelector(".painel-ao-vivo-texto");

  var INTERVALO_MINIMO_MS = 1000; // at most one refetch per second, however many events arrive
  var RELEITURA_SEM_CONEXAO_MS = 30000; // while the channel is down, the numbers are refetched this often
  var ESPERA_RECONEXAO_MS = [2000, 5000, 10000, 30000];

  var ultimaBusca = 0;
  var agendada = null;
  var buscando = false;
  var outraDepois = false;
  var fonte = null;
  var tentativas = 0;
  var releitura = null;
  var caiu = false; // the channel was down at some point since the last successful open
  var encerrado = false; // the session ended: nothing more to listen to until the page is reloaded

  function marcar(estado, texto) {
    indicador.hidden = false;
    indicador.setAttribute("data-estado", estado);
    textoIndicador.textContent = texto;
  }

  // Refetching -----------------------------------------------------------------------------------------------

  function pedirAtualizacao() {
    if (encerrado) {
      return;
    }
    if (buscando) {
      outraDepois = true;
      return;
    }
    if (agendada !== null) {
      return;
    }
    var espera = Math.max(0, ultimaBusca + INTERVALO_MINIMO_MS - Date.now());
    agendada = window.setTimeout(atualizar, espera);
  }

  function atualizar() {
    agendada = null;
    if (document.hidden) {
      // A hidden tab catches up once, when it is shown again.
      outraDepois = true;
      return;
    }
    buscando = true;
    ultimaBusca = Date.now();
    fetch(urlParcial, { credentials: "same-origin", cache: "no-store", headers: { Accept: "text/html" } })
      .then(function (resposta) {
        if (!resposta.ok || resposta.headers.get("X-Painel-Parcial") !== "1") {
          // Redirected to the login page, or refused: the session is over.
          encerrado = true;
          marcar("sessao", "sessão encerrada: recarregue a página");
          fecharCanal();
          return null;
        }
        return resposta.text();
      })
      .then(function (html) {
        if (html !== null) {
          trocar(html);
        }
      })
      .catch(function () {
        // The server did not answer; the next event or the periodic reread tries again.
      })
      .then(function () {
        buscando = false;
        if (outraDepois && !document.hidden) {
          outraDepois = false;
          pedirAtualizacao();
        }
      });
  }

  function chaveDoFoco() {
    var ativo = document.activeElement;
    if (!ativo || !conteudo.contains(ativo)) {
      return null;
    }
    if (ativo.id) {
      return { atributo: "id", valor: ativo.id };
    }
    if (ativo.hasAttribute("data-foco")) {
      return { atributo: "data-foco", valor: ativo.getAttribute("data-foco") };
    }
    return null;
  }

  function procurar(chave) {
    var candidatos = conteudo.querySelectorAll("[" + chave.atributo + "]");
    for (var i = 0; i < candidatos.length; i++) {
      if (candidatos[i].getAttribute(chave.atributo) === chave.valor) {
        return candidatos[i];
      }
    }
    return null;
  }

  function trocar(html) {
    var documento = new DOMParser().parseFromString(html, "text/html");
    var foco = chaveDoFoco();
    var x = window.scrollX;
    var y = window.scrollY;
    conteudo.replaceChildren.apply(conteudo, Array.prototype.slice.call(documento.body.childNodes));
    window.scrollTo(x, y);
    if (foco) {
      var alvo = procurar(foco);
      if (alvo) {
        alvo.focus({ preventScroll: true });
      }
    }
  }

  // The channel ----------------------------------------------------------------------------------------------

  function fecharCanal() {
    if (fonte) {
      fonte.close();
      fonte = null;
    }
    pararReleitura();
  }

  function iniciarReleitura() {
    if (releitura === null) {
      releitura = window.setInterval(pedirAtualizacao, RELEITURA_SEM_CONEXAO_MS);
    }
  }

  function pararReleitura() {
    if (releitura !== null) {
      window.clearInterval(releitura);
      releitura = null;
    }
  }

  function conectar() {
    if (encerrado || fonte) {
      return;
    }
    if (!("EventSource" in window) || !urlEventos) {
      marcar("desconectado", "sem atualização ao vivo");
      iniciarReleitura();
      return;
    }
    marcar("conectando", "conectando…");
    fonte = new EventSource(urlEventos);
    fonte.addEventListener("open", function () {
      tentativas = 0;
      pararReleitura();
      marcar("conectado", "ao vivo");
      if (caiu) {
        // Events sent while it was down may be lost if the server kept none: read the numbers again.
        caiu = false;
        pedirAtualizacao();
      }
    });
    fonte.addEventListener("error", function () {
      caiu = true;
      iniciarReleitura();
      if (fonte && fonte.readyState === EventSource.CLOSED) {
        // The browser gave up (a refusal or a non-stream answer): try again later, more slowly each time.
        fonte = null;
        var espera = ESPERA_RECONEXAO_MS[Math.min(tentativas, ESPERA_RECONEXAO_MS.length - 1)];
        tentativas += 1;
        marcar("desconectado", "sem conexão ao vivo: tentando de novo");
        window.setTimeout(conectar, espera);
      } else {
        marcar("desconectado", "sem conexão ao vivo: reconectando");
      }
    });
    fonte.addEventListener("processo", pedirAtualizacao);
    fonte.addEventListener("execucao", pedirAtualizacao);
    // Many changes at once (a month created, a batch queued) come summed up in one event.
    fonte.addEventListener("processos", pedirAtualizacao);
    fonte.addEventListener("execucoes", pedirAtualizacao);
    // The server lost the events it kept (Redis restarted without its data): what the page shows may be
    // behind, so it reads itself again.
    fonte.addEventListener("stream-reset", pedirAtualizacao);
  }

  document.addEventListener("visibilitychange", function () {
    if (!document.hidden && outraDepois && !buscando) {
      outraDepois = false;
      pedirAtualizacao();
    }
  });
  window.addEventListener("pagehide", fecharCanal);
  window.addEventListener("pageshow", function (evento) {
    if (evento.persisted) {
      // Back from the browser's page cache: listen again and catch up.
      conectar();
      pedirAtualizacao();
    }
  });

  conectar();
})();

"""Queueing tasks by name, and keeping them instead of sending them."""

from brm.common import tarefas


def test_tarefas_retidas_ficam_na_lista_em_ordem_e_nao_vao_ao_broker():
    with tarefas.tarefas_retidas() as retidas:
        assert tarefas.retendo_tarefas()
        assert tarefas.enfileirar("processos.despachar_execucoes") is True
        assert tarefas.enfileirar("processos.enviar_execucao", "abc") is True

    assert retidas == [("processos.despachar_execucoes", ()), ("processos.enviar_execucao", ("abc",))]
    assert not tarefas.retendo_tarefas()


def test_retencao_aninhada_devolve_a_de_fora_ao_sair():
    with tarefas.tarefas_retidas() as de_fora:
        with tarefas.tarefas_retidas() as de_dentro:
            tarefas.enfileirar("a")
        tarefas.enfileirar("b")

    assert (de_fora, de_dentro) == ([("b", ())], [("a", ())])

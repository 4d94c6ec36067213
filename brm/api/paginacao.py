"""How the API pages its lists: by page number over processes and the other registers, by cursor over the
growing histories (executions, log lines).

Every list costs the same number of queries whatever its page size: the count (bounded, see
`PaginadorEstimado`), the page itself and the few prefetches its serializer declares.
"""

from rest_framework.pagination import CursorPagination, PageNumberPagination
from rest_framework.response import Response

from brm.common.paginacao import PaginadorEstimado


class PaginacaoPorPagina(PageNumberPagination):
    """`?pagina=2&tamanho=100`; `total` is exact up to 10.000 rows and estimated beyond (`total_estimado`)."""

    django_paginator_class = PaginadorEstimado
    page_query_param = "pagina"
    page_size_query_param = "tamanho"
    max_page_size = 500
    invalid_page_message = "Página inexistente."

    def get_paginated_response(self, data):
        return Response(
            {
                "total": self.page.paginator.count,
                "total_estimado": self.page.paginator.estimado,
                "proxima": self.get_next_link(),
                "anterior": self.get_previous_link(),
                "resultados": data,
            }
        )

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["total", "total_estimado", "proxima", "anterior", "resultados"],
            "properties": {
                "total": {"type": "integer", "example": 123},
                "total_estimado": {"type": "boolean", "example": False},
                "proxima": {
                    "type": "string",
                    "format": "uri",
                    "nullable": True,
                    "example": "https://brm.example.com/api/v1/processos/?pagina=3",
                },
                "anterior": {
                    "type": "string",
                    "format": "uri",
                    "nullable": True,
                    "example": "https://brm.example.com/api/v1/processos/?pagina=1",
                },
                "resultados": schema,
            },
        }


class PaginacaoPorCursor(CursorPagination):
    """`?cursor=…` from `proxima`/`anterior`: stable while new rows arrive, and as fast on page 1000 as on page 1."""

    cursor_query_param = "cursor"
    page_size_query_param = "tamanho"
    max_page_size = 500
    page_size = 50
    invalid_cursor_message = "Cursor inválido."

    def get_paginated_response(self, data):
        return Response({"proxima": self.get_next_link(), "anterior": self.get_previous_link(), "resultados": data})

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["proxima", "anterior", "resultados"],
            "properties": {
                "proxima": {
                    "type": "string",
                    "format": "uri",
                    "nullable": True,
                    "example": "https://brm.example.com/api/v1/execucoes/?cursor=cD0yMDI2LTExLTI4",
                },
                "anterior": {"type": "string", "format": "uri", "nullable": True, "example": None},
                "resultados": schema,
            },
        }

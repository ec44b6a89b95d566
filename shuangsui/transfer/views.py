from django.http import HttpResponse


def import_page(request, kind):  # 待实现
    return HttpResponse("导入尚未实现", status=501)


def export_download(request, kind):  # 待实现
    return HttpResponse("导出尚未实现", status=501)

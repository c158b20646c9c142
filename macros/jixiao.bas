Attribute VB_Name = "Jixiao"
' Button macros of the jixiao standard workbooks.
'
' Each button calls Python through xlwings' RunPython with a fixed module path
' (jixiao.macros.buttons), never a module named after the workbook file, so a
' renamed workbook keeps working. The work itself is done in Python; this module
' only reports, in Chinese, what to install when Python or jixiao is missing.
'
' This file is UTF-8 source for jixiao.templates.vba, not for the VBA editor's
' Import: the build turns every string literal that holds Chinese text into
' ChrW() calls, so the embedded module is plain ASCII and reads the same under
' any Windows code page. Keep Chinese out of comments, Const and Optional defaults.
Option Explicit

Public Sub JixiaoValidate()
    JixiaoRun "import jixiao.macros.buttons as b; b.validate()", "校验"
End Sub

Public Sub JixiaoClearMarks()
    JixiaoRun "import jixiao.macros.buttons as b; b.clear_marks()", "清除标记"
End Sub

Public Sub JixiaoAddProject()
    JixiaoRun "import jixiao.macros.buttons as b; b.add_project()", "新增项目"
End Sub

' RunPython (xlwings module) shows Python's own error text and answers -1 when
' the Python process fails, e.g. python not on PATH or "No module named 'jixiao'".
Private Sub JixiaoRun(ByVal PythonCommand As String, ByVal Caption As String)
    Dim result As Variant
    On Error GoTo Failed
    result = RunPython(PythonCommand)
    If result = -1 Then JixiaoInstallHelp Caption, ""
    Exit Sub
Failed:
    JixiaoInstallHelp Caption, Err.Description
End Sub

Private Sub JixiaoInstallHelp(ByVal Caption As String, ByVal Detail As String)
    Dim msg As String
    msg = "“" & Caption & "”没有完成。" & vbLf & vbLf
    msg = msg & "如果刚才的提示说找不到 python，" & vbLf
    msg = msg & "或提示 No module named 'jixiao' 或 'xlwings'，" & vbLf
    msg = msg & "说明这台电脑还没有装好所需的 Python 组件：" & vbLf
    msg = msg & "1. 安装 Python 3.11 或更高版本，" & vbLf
    msg = msg & "   安装时勾选 Add python.exe to PATH；" & vbLf
    msg = msg & "2. 打开“命令提示符”，进入 jixiao 文件夹，运行：pip install ." & vbLf
    msg = msg & "   （会同时安装 xlwings；也可以用财政局提供的安装包）；" & vbLf
    msg = msg & "3. 关闭 Excel，再重新打开本工作簿。" & vbLf & vbLf
    msg = msg & "如果是其他错误，请把刚才提示的内容发给表格维护人员。"
    If Len(Detail) > 0 Then msg = msg & vbLf & vbLf & "错误信息：" & Detail
    MsgBox msg, vbExclamation, "jixiao 绩效自评"
End Sub

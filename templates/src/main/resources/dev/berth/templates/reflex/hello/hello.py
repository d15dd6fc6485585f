import reflex as rx

class State(rx.State):
    count: int = 0
    def increment(self):
        self.count += 1

def index() -> rx.Component:
    return rx.vstack(rx.heading("Hello from Reflex on Berth"), rx.text(State.count), rx.button("Add one", on_click=State.increment))

app = rx.App()
app.add_page(index)

import platform

import streamlit as st

st.title("Streamlit on Berth")
st.write("A sample app: replace it with your own using `berth run --template streamlit --app my_app.py`.")
name = st.text_input("Your name", "world")
count = st.slider("How many greetings?", 1, 5, 2)
for i in range(count):
    st.write(f"Hello, {name}! ({i + 1})")
st.caption(f"Python {platform.python_version()}")
